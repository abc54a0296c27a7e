using System.CommandLine;
using Inspection.Detection.Packaging;

namespace Inspection.ModelTools.Tests.Packaging;

/// <summary><c>keygen</c> and <c>pack</c> as a publisher runs them, on the shipped edge model.</summary>
public sealed class PackCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task KeygenThenPack_ShippedEdgeModel_PackageVerifiesWithThePublicKeyAlone()
    {
        var keys = _directory.Folder("keys");
        Assert.Equal(0, await InvokeAsync("keygen", "--out", keys, "--name", "plant"));
        var privateKey = Path.Combine(keys, "plant.private.pem");
        var publicKey = Path.Combine(keys, "plant.public.pem");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privateKey));
        }

        var package = _directory.File("edge-r12.zip");
        var exit = await InvokeAsync(
            "pack", "--model", EdgeModel, "--key", privateKey, "--out", package, "--release", "12", "--golden-frames", "3");

        Assert.True(exit == 0, _error.ToString());
        var trustFolder = _directory.Folder("device-trust");
        File.Copy(publicKey, Path.Combine(trustFolder, "plant.pem"));
        using var trusted = TrustedKeys.Load(trustFolder, "device");
        using var stream = File.OpenRead(package);
        var opened = ModelPackage.Open(stream, trusted, 64 * 1024 * 1024);
        Assert.Equal(12, opened.Manifest.Release);
        Assert.Equal("inspection-edge", opened.Manifest.Name);
        Assert.Equal(3, opened.Manifest.Golden.Frames.Count);
        Assert.Equal(new RecommendedSettings(0.25f, 0.85f, 0.15f, 0.3f, false), opened.Manifest.Recommended);
        Assert.Contains($"signed by key {opened.Manifest.KeyId}", _output.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(package + ".partial"));
    }

    [Fact]
    public async Task Keygen_KeyExists_RefusesToOverwrite()
    {
        var keys = _directory.Folder("keys");
        Assert.Equal(0, await InvokeAsync("keygen", "--out", keys));
        var before = await File.ReadAllTextAsync(Path.Combine(keys, "publisher.private.pem"), TestContext.Current.CancellationToken);

        Assert.Equal(2, await InvokeAsync("keygen", "--out", keys));

        Assert.Contains("exists already", _error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(keys, "publisher.private.pem"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Pack_WithThePublicKey_RefusedNamingTheFile()
    {
        var keys = _directory.Folder("keys");
        await InvokeAsync("keygen", "--out", keys);
        var publicKey = Path.Combine(keys, "publisher.public.pem");

        var exit = await InvokeAsync("pack", "--model", EdgeModel, "--key", publicKey, "--out", _directory.File("p.zip"), "--release", "1");

        Assert.Equal(2, exit);
        Assert.Contains($"'{publicKey}' holds no private key", _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("p.zip")));
    }

    [Fact]
    public async Task Pack_ScoreThresholdAboveTheBand_RefusedWithTheReason()
    {
        var keys = _directory.Folder("keys");
        await InvokeAsync("keygen", "--out", keys);

        var exit = await InvokeAsync(
            "pack", "--model", EdgeModel, "--key", Path.Combine(keys, "publisher.private.pem"), "--out", _directory.File("p.zip"), "--release", "1", "--score-threshold", "0.5");

        Assert.Equal(2, exit);
        Assert.Contains("is above the band's lower edge", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void GoldenImages_FourFrames_ThreeWithADefectAndOneClean()
    {
        using var line = new Inspection.ModelTools.Line.SyntheticLine(4242);
        var frames = ModelTools.Packaging.ModelPacker.GoldenImages(4242, 4).ToList();

        Assert.Equal(4, frames.Count);
        Assert.Equal(3, frames.Count(f =>
        {
            using var rendered = line.Render(f.Index);
            return rendered.Truth.Count > 0;
        }));
        Assert.All(frames, f => Assert.Equal((byte)0x89, f.Png[0]));
    }

    private static string EdgeModel => Path.Combine(RepositoryPaths.Models, "edge", "inspection-edge.onnx");

    private async Task<int> InvokeAsync(params string[] args)
    {
        return await ModelToolsCommand.Create().Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = _output, Error = _error }, TestContext.Current.CancellationToken);
    }
}
