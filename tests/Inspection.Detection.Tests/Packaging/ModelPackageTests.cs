using System.IO.Compression;
using Inspection.Detection.Packaging;

namespace Inspection.Detection.Tests.Packaging;

/// <summary>Opening a package archive: signature first, then every file against the signed manifest.</summary>
public sealed class ModelPackageTests
{
    private const long Limit = 1024 * 1024;

    [Fact]
    public void Open_SignedAndComplete_GivesTheManifestAndVerifiedFiles()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var manifest = TestPackages.Manifest(key);

        var package = ModelPackage.Open(TestPackages.Archive(manifest, key), trusted, Limit);

        Assert.Equal(7, package.Manifest.Release);
        Assert.Equal(TestPackages.ModelBytes, package.Files["model.onnx"]);
        Assert.Equal(TestPackages.ImageBytes, package.Files["golden/000.png"]);
    }

    [Fact]
    public void Open_ModelReplaced_RefusedBeforeAnythingUsesIt()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var archive = TestPackages.Archive(TestPackages.Manifest(key), key, new() { ["model.onnx"] = [8, 7, 6, 5, 4, 3, 2, 1], ["golden/000.png"] = TestPackages.ImageBytes });

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(archive, trusted, Limit));

        Assert.Equal("model.onnx does not match the SHA-256 in the signed manifest: the file was changed or damaged", error.Message);
    }

    [Fact]
    public void Open_ModelTruncated_RefusedSayingSo()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var archive = TestPackages.Archive(TestPackages.Manifest(key), key, new() { ["model.onnx"] = TestPackages.ModelBytes[..5], ["golden/000.png"] = TestPackages.ImageBytes });

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(archive, trusted, Limit));

        Assert.Equal("model.onnx is 5 bytes, the manifest says 8: truncated or replaced", error.Message);
    }

    [Fact]
    public void Open_ManifestEditedAfterSigning_RefusedBySignature()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var archive = TestPackages.Archive(
            TestPackages.Manifest(key), key, editManifest: bytes => System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(bytes).Replace("\"release\": 7", "\"release\": 9", StringComparison.Ordinal)));

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(archive, trusted, Limit));

        Assert.Contains("does not match its manifest", error.Message);
    }

    [Fact]
    public void Open_UnknownKey_Refused()
    {
        using var key = TestPackages.NewKey();
        using var other = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", other);

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(TestPackages.Archive(TestPackages.Manifest(key), key), trusted, Limit));

        Assert.Contains("which this device does not trust", error.Message);
    }

    [Fact]
    public void Open_FileTheManifestDoesNotName_Refused()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var archive = TestPackages.Archive(
            TestPackages.Manifest(key), key, new() { ["model.onnx"] = TestPackages.ModelBytes, ["golden/000.png"] = TestPackages.ImageBytes, ["run.sh"] = [1] });

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(archive, trusted, Limit));

        Assert.Equal("the package holds run.sh, which its manifest does not name", error.Message);
    }

    [Fact]
    public void Open_FileMissing_Refused()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var archive = TestPackages.Archive(TestPackages.Manifest(key), key, new() { ["model.onnx"] = TestPackages.ModelBytes });

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(archive, trusted, Limit));

        Assert.Equal("the package has no golden/000.png", error.Message);
    }

    [Fact]
    public void Open_FileLargerThanTheLimit_RefusedBeforeReadingIt()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(TestPackages.Archive(TestPackages.Manifest(key), key), trusted, maxFileBytes: 4));

        Assert.Equal("model.onnx is 8 bytes, more than the 4 accepted", error.Message);
    }

    [Fact]
    public void Open_NotAZip_Refused()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(new MemoryStream([1, 2, 3, 4]), trusted, Limit));

        Assert.StartsWith("the package is not a zip archive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EntryInflatingBeyondItsDeclaredSize_Refused()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var archive = TestPackages.Archive(TestPackages.Manifest(key), key, new() { ["model.onnx"] = new byte[2 * 1024 * 1024], ["golden/000.png"] = TestPackages.ImageBytes });

        var error = Assert.Throws<PackageRejectedException>(() => ModelPackage.Open(archive, trusted, Limit));

        Assert.Equal($"model.onnx is {2 * 1024 * 1024} bytes, more than the 8 expected", error.Message);
        using var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        Assert.True(zip.GetEntry("model.onnx")!.CompressedLength < 64 * 1024, "the test archive must be small on the wire and large inflated");
    }
}
