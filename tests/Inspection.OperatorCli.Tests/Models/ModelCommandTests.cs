using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.Models;

/// <summary><c>model upload|list|show</c> against the real cloud and its registry, with real signed packages.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();
    private readonly TestCli _cli = new();

    public void Dispose()
    {
        _cli.Dispose();
        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Upload_SignedPackage_RegistersItThenListAndShowFindIt()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        var package = WritePackage(release: 6);

        var alice = cloud.TokenFor("alice", AccountRoles.Engineer);

        // The registry records the account of the token as the uploader.
        var uploaded = await _cli.RunAsync("model", "upload", "--file", package, "--api", cloud.ApiUri.ToString(), "--token", alice);

        Assert.True(uploaded == ExitCodes.Ok, _cli.Error);
        Assert.StartsWith("Registered release 6.", _cli.Output);
        Assert.Contains("uploaded    ", _cli.Output);

        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("model", "list", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        var row = _cli.Row("6");
        Assert.Equal(["6", "inspection-edge", "2.6.0"], row[..3]);
        Assert.Equal("alice", row[7]);

        using var show = new TestCli();
        Assert.Equal(ExitCodes.Ok, await show.RunAsync("model", "show", "--release", "6", "--json", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        var item = JsonSerializer.Deserialize<ModelListItem>(show.Output, JsonSerializerOptions.Web)!;
        Assert.Equal((6L, "inspection-edge", "2.6.0", "alice", "/api/models/6/manifest.json"), (item.Release, item.Name, item.Version, item.UploadedBy, item.ManifestUrl));
        Assert.Equal(64, item.Sha256.Length);
    }

    [Fact]
    public async Task List_Json_ParsesBackIntoTheModelList()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("model", "upload", "--file", WritePackage(release: 2), "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        using var list = new TestCli();

        Assert.Equal(ExitCodes.Ok, await list.RunAsync("model", "list", "--json", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));

        var items = JsonSerializer.Deserialize<List<ModelListItem>>(list.Output, JsonSerializerOptions.Web)!;
        Assert.Equal(2, Assert.Single(items).Release);
    }

    [Fact]
    public async Task Upload_SameReleaseTwice_ExitsFourWithTheRegistryReason()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        var package = WritePackage(release: 3);
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("model", "upload", "--file", package, "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));

        var exit = await _cli.RunAsync("model", "upload", "--file", package, "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("release 3 is registered already", _cli.Error);
    }

    [Fact]
    public async Task Upload_PackageOfAnUntrustedPublisher_ExitsTwoWithTheRegistryReason()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        using var stranger = new TestModelPackages();
        var package = _directory.File("stranger.zip");
        File.WriteAllBytes(package, stranger.Build(release: 4));

        var exit = await _cli.RunAsync("model", "upload", "--file", package, "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains("The cloud refused: HTTP 422", _cli.Error);
        Assert.Contains(stranger.KeyId, _cli.Error);
    }

    [Fact]
    public async Task Show_UnknownRelease_ExitsThree()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);

        var exit = await _cli.RunAsync("model", "show", "--release", "42", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.NotFound, exit);
        Assert.Contains("no release 42 is registered", _cli.Error);
    }

    [Fact]
    public async Task Upload_MissingFile_ExitsTwoWithoutCallingTheApi()
    {
        using var refused = LoopbackPort.Refused();
        var missing = _directory.File("missing.zip");

        var exit = await _cli.RunAsync("model", "upload", "--file", missing, "--api", $"http://127.0.0.1:{refused.Port}");

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains(missing, _cli.Error);
        Assert.DoesNotContain("unreachable", _cli.Error);
    }

    private string WritePackage(long release)
    {
        var path = _directory.File($"edge-r{release}.zip");
        File.WriteAllBytes(path, _packages.Build(release));
        return path;
    }
}
