using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using Inspection.Trainer.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.Trainer.Tests.Native;

/// <summary>
/// The oneDNN instruction-set limit that keeps training finite on AVX-512 processors where libtorch's AVX-512
/// kernels give NaN. oneDNN reads the variable once, natively, at its first kernel: so the proof is oneDNN's own
/// account (<c>ONEDNN_VERBOSE</c>) in a fresh trainer process whose environment did not have the variable.
/// </summary>
public sealed class OneDnnIsaLimitTests
{
    [Fact]
    public async Task PatchCheck_FreshProcessWithoutTheVariable_OneDnnDispatchesAvx2Kernels()
    {
        var (exitCode, output) = await RunTrainerAsync(["patch-check"], isa: null);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"[ok] oneDNN's instruction-set limit is in force for native code before the first torch call: {OneDnnIsaLimit.Variable}={OneDnnIsaLimit.Limit}", output, StringComparison.Ordinal);
        Assert.Equal(["Intel AVX2"], OneDnnIsaLines(output));
        Assert.Contains("[ok] a convolution and its gradient are finite", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatchCheck_UserSetTheVariable_KeptAndOneDnnFollowsIt()
    {
        var (exitCode, output) = await RunTrainerAsync(["patch-check"], isa: "ALL");

        Assert.True(exitCode == 0, output);
        Assert.Contains($"{OneDnnIsaLimit.Variable}=ALL is set in the environment: kept", output, StringComparison.Ordinal);
        var isa = Assert.Single(OneDnnIsaLines(output));

        // Lifting the limit only shows where there is something above AVX2 to lift it to.
        if (Avx512F.IsSupported)
        {
            Assert.StartsWith("Intel AVX-512", isa, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("Intel AVX2", isa);
        }
    }

    [Fact]
    public void Prepare_InThisProcess_NativeEnvironmentHoldsTheSettingItReturns()
    {
        var setting = TorchNatives.Prepare(NullLogger.Instance);

        Assert.Equal(setting, OneDnnIsaLimit.InForce());
        if (Environment.GetEnvironmentVariable(OneDnnIsaLimit.Variable) is null && Environment.GetEnvironmentVariable(OneDnnIsaLimit.NewVariable) is null)
        {
            Assert.Equal(new OneDnnIsaSetting(OneDnnIsaLimit.Variable, OneDnnIsaLimit.Limit, SetHere: true), setting);
            Assert.Equal($"{OneDnnIsaLimit.Variable}={OneDnnIsaLimit.Limit}", OneDnnIsaLimit.Describe());
        }
    }

    private static List<string> OneDnnIsaLines(string output) =>
        [.. output.Split('\n')
            .Where(l => l.StartsWith("onednn_verbose", StringComparison.Ordinal) && l.Contains(",isa:", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(",isa:", StringComparison.Ordinal) + 5)..].Trim())];

    private static async Task<(int ExitCode, string Output)> RunTrainerAsync(string[] args, string? isa)
    {
        var trainer = Path.Combine(AppContext.BaseDirectory, "Inspection.Trainer.dll");
        Assert.True(File.Exists(trainer), $"{trainer} is missing: the test project references the trainer, whose build puts it there.");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(trainer);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove(OneDnnIsaLimit.Variable);
        start.Environment.Remove(OneDnnIsaLimit.NewVariable);
        if (isa is not null)
        {
            start.Environment[OneDnnIsaLimit.Variable] = isa;
        }

        // oneDNN's own account of the instruction set it dispatches, printed at its first kernel.
        start.Environment["ONEDNN_VERBOSE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
