using System.CommandLine;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Inspection.Trainer.Native;

/// <summary>
/// <c>patch-check</c>: a self-check of the native setup. Exercises the ELF patch on a scratch copy of the bridge (patch,
/// re-patch, exactly the flag bytes changed, a non-ELF file refused and left intact), then prepares the real natives
/// (<see cref="TorchNatives"/>: the patch and the oneDNN instruction-set limit), makes one torch call and one convolution
/// forward and backward. Exit code 0 only if every check passes.
/// </summary>
public static class PatchCheckCommand
{
    public static Command Create(ILoggerFactory loggers)
    {
        var command = new Command("patch-check", $"Check the {LibTorchSharpPatch.MissingVersion} patch of {LibTorchSharpPatch.LibraryFileName}, the oneDNN instruction-set limit, and that torch loads and computes a convolution's gradient.");
        command.SetAction(_ => Run(loggers.CreateLogger("Inspection.Trainer.PatchCheck")));
        return command;
    }

    private static int Run(ILogger logger)
    {
        var libraries = LibTorchSharpPatch.FindLibraries(AppContext.BaseDirectory);
        if (libraries.Count == 0)
        {
            Console.Error.WriteLine($"FAIL: no {LibTorchSharpPatch.LibraryFileName} beside the program in {AppContext.BaseDirectory}.");
            return 1;
        }

        var failures = 0;
        var scratch = Directory.CreateTempSubdirectory("trainer-patch-check-");
        try
        {
            var copy = Path.Combine(scratch.FullName, LibTorchSharpPatch.LibraryFileName);
            File.Copy(libraries[0], copy);
            var (required, weak) = ElfVersionPatcher.Inspect(copy, LibTorchSharpPatch.MissingVersion);
            Console.WriteLine($"{libraries[0]}: requires {LibTorchSharpPatch.MissingVersion}: {required}, weak: {weak}");
            if (weak)
            {
                // The build copied an already patched file (or a fixed upstream one); start the scratch check from a strong flag.
                Console.WriteLine("  (already weak in bin/: checking the patch logic on this state only)");
            }

            var before = File.ReadAllBytes(copy);
            var first = ElfVersionPatcher.MarkWeak(copy, LibTorchSharpPatch.MissingVersion);
            var after = File.ReadAllBytes(copy);
            var changed = Enumerable.Range(0, before.Length).Count(i => before[i] != after[i]);
            var second = ElfVersionPatcher.MarkWeak(copy, LibTorchSharpPatch.MissingVersion);
            failures += Check(required, $"the library requires {LibTorchSharpPatch.MissingVersion}");
            failures += Check(first == (weak ? ElfVersionPatchResult.AlreadyWeak : ElfVersionPatchResult.Patched), $"first patch: {first}");
            failures += Check(before.Length == after.Length && changed == (weak ? 0 : 1), $"bytes changed: {changed} (the low byte of vna_flags), size unchanged");
            failures += Check(ElfVersionPatcher.Inspect(copy, LibTorchSharpPatch.MissingVersion) == (true, true), "the requirement reads back as weak");
            failures += Check(second == ElfVersionPatchResult.AlreadyWeak, $"second patch is a no-op: {second}");
            failures += Check(
                ElfVersionPatcher.MarkWeak(copy, "GLIBCXX_NO_SUCH_VERSION") == ElfVersionPatchResult.NotRequired,
                "an unknown version is reported as not required");

            var notElf = Path.Combine(scratch.FullName, "not-elf.so");
            File.WriteAllText(notElf, "this is not a shared library");
            var refused = false;
            try
            {
                ElfVersionPatcher.MarkWeak(notElf, LibTorchSharpPatch.MissingVersion);
            }
            catch (InvalidDataException ex)
            {
                refused = true;
                Console.WriteLine($"  non-ELF input: {ex.Message}");
            }

            failures += Check(refused && File.ReadAllText(notElf) == "this is not a shared library", "a non-ELF file is refused and left intact");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        var isa = TorchNatives.Prepare(logger);
        failures += Check(
            OneDnnIsaLimit.InForce() == isa,
            $"oneDNN's instruction-set limit is in force for native code before the first torch call: {OneDnnIsaLimit.Describe()}");
        failures += Check(TorchWorks(out var detail), $"torch loads and computes: {detail}");
        failures += Check(ConvolutionGradientIsFinite(out var convolution), $"a convolution and its gradient are finite: {convolution}");
        Console.WriteLine(failures == 0 ? "patch-check: all checks passed" : $"patch-check: {failures} check(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    // Kept out of Run so no torch type is touched before the patch is applied.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TorchWorks(out string detail)
    {
        try
        {
            using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
            using var b = a.sum();
            var sum = b.item<float>();
            detail = $"sum(0..5) = {sum}, libtorch {torch.__version__}";
            return sum == 15f;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException)
        {
            detail = ex.Message;
            return false;
        }
    }

    // A seeded conv forward and backward runs the oneDNN kernels training runs; NaN here is the AVX-512 fault.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ConvolutionGradientIsFinite(out string detail)
    {
        torch.manual_seed(1);
        using var input = torch.rand(2, 8, 32, 32);
        using var weight = torch.randn(16, 8, 3, 3).requires_grad_(true);
        using var output = torch.nn.functional.conv2d(input, weight, padding: [1, 1]);
        using var loss = output.square().mean();
        loss.backward();
        using var gradient = weight.grad!;
        using var gradientSum = gradient.abs().sum();
        var value = loss.item<float>();
        var gradientValue = gradientSum.item<float>();
        detail = $"loss {value:G6}, |gradient| {gradientValue:G6}";
        return float.IsFinite(value) && float.IsFinite(gradientValue) && gradientValue > 0;
    }

    private static int Check(bool ok, string what)
    {
        Console.WriteLine($"  [{(ok ? "ok" : "FAIL")}] {what}");
        return ok ? 0 : 1;
    }
}
