using Inspection.Trainer.Native;

namespace Inspection.Trainer.Tests.Native;

/// <summary>
/// The patch that lets TorchSharp's native library load on Debian 12, tried on a copy of the real library
/// shipped by the TorchSharp package, never on the one the trainer loads.
/// </summary>
public sealed class ElfVersionPatcherTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("elf-patch-").FullName;

    [Fact]
    public void MarkWeak_ShippedLibrary_MakesTheRequirementWeakByChangingOneByte()
    {
        var copy = CopyOfShippedLibrary();
        var before = File.ReadAllBytes(copy);
        Assert.Equal((true, false), ElfVersionPatcher.Inspect(copy, LibTorchSharpPatch.MissingVersion));

        var result = ElfVersionPatcher.MarkWeak(copy, LibTorchSharpPatch.MissingVersion);

        var after = File.ReadAllBytes(copy);
        Assert.Equal(ElfVersionPatchResult.Patched, result);
        Assert.Equal((true, true), ElfVersionPatcher.Inspect(copy, LibTorchSharpPatch.MissingVersion));
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var index = Assert.Single(changed);
        Assert.Equal(before[index] | ElfVersionPatcher.VerFlagWeak, after[index]);
    }

    [Fact]
    public void MarkWeak_AlreadyPatched_LeavesTheFileAlone()
    {
        var copy = CopyOfShippedLibrary();
        ElfVersionPatcher.MarkWeak(copy, LibTorchSharpPatch.MissingVersion);
        var written = File.GetLastWriteTimeUtc(copy);
        var bytes = File.ReadAllBytes(copy);

        var result = ElfVersionPatcher.MarkWeak(copy, LibTorchSharpPatch.MissingVersion);

        Assert.Equal(ElfVersionPatchResult.AlreadyWeak, result);
        Assert.Equal(bytes, File.ReadAllBytes(copy));
        Assert.Equal(written, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void MarkWeak_VersionTheLibraryDoesNotRequire_ReportsNotRequired()
    {
        var copy = CopyOfShippedLibrary();
        var bytes = File.ReadAllBytes(copy);

        var result = ElfVersionPatcher.MarkWeak(copy, "GLIBCXX_9.9.99");

        Assert.Equal(ElfVersionPatchResult.NotRequired, result);
        Assert.Equal(bytes, File.ReadAllBytes(copy));
    }

    [Fact]
    public void MarkWeak_NotAnElfFile_ThrowsAndLeavesItUntouched()
    {
        var path = Path.Combine(_directory, "not-a-library.so");
        File.WriteAllText(path, "this is not an ELF file, just text long enough to have a header's worth of bytes");
        var bytes = File.ReadAllBytes(path);

        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(path, LibTorchSharpPatch.MissingVersion));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string CopyOfShippedLibrary()
    {
        // From the package cache, not from beside the tests: the training tests patch the copy there, as the trainer
        // does at every start, and the cache is never modified.
        var version = typeof(TorchSharp.torch).Assembly.GetName().Version!;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var shipped = Path.Combine(
            packages, "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}", "runtimes", "linux-x64", "native", LibTorchSharpPatch.LibraryFileName);
        Assert.True(File.Exists(shipped), $"{shipped} is missing: the TorchSharp package did not deliver its native library.");
        var copy = Path.Combine(_directory, LibTorchSharpPatch.LibraryFileName);
        File.Copy(shipped, copy, overwrite: true);
        return copy;
    }
}
