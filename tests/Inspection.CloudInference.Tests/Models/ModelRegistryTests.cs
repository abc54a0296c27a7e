using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Detection.Packaging;

namespace Inspection.CloudInference.Tests.Models;

/// <summary>
/// The model registry over real HTTP: a package is accepted only signed by a trusted key, whole, loadable, true to
/// its manifest and passing its golden set on the cloud's CPU; its files are served with Range and an ETag equal to
/// their SHA-256. Run with the registry's records in the LiteDB file (<see cref="LiteDbModelRegistryTests"/>) and in a
/// real PostgreSQL (<see cref="PostgreSqlModelRegistryTests"/>).
/// </summary>
public abstract class ModelRegistryTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();

    public void Dispose()
    {
        _packages.Dispose();
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The arguments that choose where the cloud stores its data: the same store at every start of one test.</summary>
    protected abstract Task<IReadOnlyList<string>> StorageArgumentsAsync();

    [Fact]
    public async Task Upload_ValidPackage_RegisteredListedAndItsFilesServedWithRangeAndHashETag()
    {
        await using var cloud = await StartAsync();
        var package = _packages.Build(release: 5);

        var response = await UploadAsync(cloud, package);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await response.Content.ReadFromJsonAsync<ModelListItem>(TestContext.Current.CancellationToken);
        var model = await File.ReadAllBytesAsync(RepoPaths.EdgeModel, TestContext.Current.CancellationToken);
        Assert.Equal((5L, "inspection-edge", "2.5.0", ModelPackage.Sha256Of(model), (long)model.Length, _packages.KeyId), (item!.Release, item.Name, item.Version, item.Sha256, item.Size, item.KeyId));
        Assert.Equal("/api/models/5/manifest.json", item.ManifestUrl);
        Assert.StartsWith("loaded on CPU, 2 golden frames agree", item.Validation, StringComparison.Ordinal);

        var listed = await cloud.Http.GetFromJsonAsync<List<ModelListItem>>("api/models", TestContext.Current.CancellationToken);
        Assert.Equal([5L], listed!.Select(m => m.Release));

        // The manifest as signed, tagged with its own hash; the signature beside it.
        var manifest = await cloud.Http.GetAsync("api/models/5/manifest.json", TestContext.Current.CancellationToken);
        var manifestBytes = await manifest.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal($"\"{ModelPackage.Sha256Of(manifestBytes)}\"", manifest.Headers.ETag!.Tag);
        Assert.Equal(item.ManifestSha256, ModelPackage.Sha256Of(manifestBytes));
        var signature = await cloud.Http.GetStringAsync("api/models/5/manifest.sig", TestContext.Current.CancellationToken);
        using var trusted = TrustedKeys.Of("device", _packages.Key);
        Assert.Equal(5, ModelPackage.Verify(manifestBytes, signature, trusted).Release);

        // A resumed download: the rest of the file from an offset, only if it is still the same file.
        using var ranged = new HttpRequestMessage(HttpMethod.Get, "api/models/5/model.onnx");
        ranged.Headers.Range = new RangeHeaderValue(1000, null);
        ranged.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{item.Sha256}\""));
        var rest = await cloud.Http.SendAsync(ranged, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(model[1000..], await rest.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal($"\"{item.Sha256}\"", rest.Headers.ETag!.Tag);

        // After a change of file (another ETag), If-Range gives the whole file, not a mismatched tail.
        using var stale = new HttpRequestMessage(HttpMethod.Get, "api/models/5/model.onnx");
        stale.Headers.Range = new RangeHeaderValue(1000, null);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{new string('0', 64)}\""));
        var whole = await cloud.Http.SendAsync(stale, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(model.Length, (await whole.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
    }

    [Fact]
    public async Task Upload_SameReleaseTwice_SecondRefusedWith409()
    {
        await using var cloud = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(cloud, _packages.Build(release: 2))).StatusCode);

        var second = await UploadAsync(cloud, _packages.Build(release: 2, version: "9.9.9"));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.StartsWith("release 2 is registered already (inspection-edge 2.2.0", await ErrorAsync(second), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SignedByAnUntrustedKey_Refused()
    {
        await using var cloud = await StartAsync();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var package = _packages.Edit(_packages.Build(release: 3), signWith: stranger);

        var response = await UploadAsync(cloud, package);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(
            $"it is signed by key {ManifestSignature.KeyIdOf(stranger)}, which this registry does not trust (trusted: {_packages.KeyId})",
            await ErrorAsync(response));
        Assert.Empty((await cloud.Http.GetFromJsonAsync<List<ModelListItem>>("api/models", TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task Upload_ModelBytesChangedUnderTheSignedHash_Refused()
    {
        await using var cloud = await StartAsync();
        var model = await File.ReadAllBytesAsync(RepoPaths.EdgeModel, TestContext.Current.CancellationToken);
        model[^10] ^= 0xFF;
        var package = _packages.Edit(_packages.Build(release: 3), files: new() { ["model.onnx"] = model }, keepHashes: true);

        var response = await UploadAsync(cloud, package);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("model.onnx does not match the SHA-256 in the signed manifest: the file was changed or damaged", await ErrorAsync(response));
    }

    [Fact]
    public async Task Upload_SignedFileThatIsNoModel_RefusedByTheModelContract()
    {
        await using var cloud = await StartAsync();
        var package = _packages.Edit(_packages.Build(release: 3), files: new() { ["model.onnx"] = "this is not an onnx file"u8.ToArray() });

        var response = await UploadAsync(cloud, package);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.StartsWith("the model does not follow the model contract:", await ErrorAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_ManifestSummaryDisagreesWithTheModel_Refused()
    {
        await using var cloud = await StartAsync();
        var package = _packages.Edit(_packages.Build(release: 3), manifest: m => m with { Summary = m.Summary with { InputWidth = 640, InputHeight = 640 } });

        var response = await UploadAsync(cloud, package);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("the manifest gives the input as 640x640, the model takes 480x480", await ErrorAsync(response));
    }

    [Fact]
    public async Task Upload_GoldenSetTheModelDoesNotReproduce_Refused()
    {
        await using var cloud = await StartAsync();
        var package = _packages.Edit(_packages.Build(release: 3), manifest: m => m with
        {
            Golden = m.Golden with
            {
                Frames = [.. m.Golden.Frames.Select((f, i) => i == 1 ? f with { Detections = [new GoldenDetection(2, "crack", 0.95f, 300, 300, 360, 320)] } : f)],
            },
        });

        var response = await UploadAsync(cloud, package);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(
            "its golden set fails on the registry's CPU run: golden frame golden/001.png: expected crack 0.950 at (300,300)-(360,320), found no crack overlapping it by 0.70 or more",
            await ErrorAsync(response));
    }

    [Fact]
    public async Task Upload_NoTrustedKeysConfigured_RefusedSayingWhereToPutThem()
    {
        var keys = _directory.File("no-keys-here");
        await using var cloud = await TestCloud.StartAsync(_directory.Path, [.. await StorageArgumentsAsync(), $"--Cloud:Models:StoragePath={_directory.File("models")}", $"--Cloud:Models:TrustedKeysPath={keys}"]);

        var response = await UploadAsync(cloud, _packages.Build(release: 1));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal($"the registry trusts no publisher key yet: put the publisher's NAME.public.pem into {keys} (Cloud:Models:TrustedKeysPath)", await ErrorAsync(response));
    }

    [Fact]
    public async Task Upload_LargerThanTheLimit_Refused413()
    {
        await using var cloud = await StartAsync("--Cloud:Models:MaxPackageMegabytes=1");

        var response = await UploadAsync(cloud, new byte[(1024 * 1024) + 10]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("the package is larger than Cloud:Models:MaxPackageMegabytes (1 MB)", await ErrorAsync(response));
    }

    [Fact]
    public async Task Upload_NotAnArchive_Refused()
    {
        await using var cloud = await StartAsync();

        var response = await UploadAsync(cloud, "hello"u8.ToArray());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.StartsWith("the package is not a zip archive", await ErrorAsync(response), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/models/4/..%2F..%2Fcloud.db")]
    [InlineData("api/models/4/golden/..%2F..%2F..%2Fcloud.db")]
    [InlineData("api/models/4/nothing.bin")]
    [InlineData("api/models/99/model.onnx")]
    public async Task Files_OutsideARegisteredPackage_NotFound(string path)
    {
        await using var cloud = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(cloud, _packages.Build(release: 4))).StatusCode);

        var response = await cloud.Http.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Registry_CloudRestarts_ReleasesStillListedAndServed()
    {
        string[] args = [.. await StorageArgumentsAsync(), $"--Cloud:Models:StoragePath={_directory.File("models")}", $"--Cloud:Models:TrustedKeysPath={_packages.Trust(_directory.File("keys"))}"];
        await using (var first = await TestCloud.StartAsync(_directory.Path, args))
        {
            Assert.Equal(HttpStatusCode.Created, (await UploadAsync(first, _packages.Build(release: 8))).StatusCode);
        }

        await using var second = await TestCloud.StartAsync(_directory.Path, args);

        var model = await second.Http.GetByteArrayAsync("api/models/8/model.onnx", TestContext.Current.CancellationToken);
        Assert.Equal(await File.ReadAllBytesAsync(RepoPaths.EdgeModel, TestContext.Current.CancellationToken), model);
    }

    private async Task<TestCloud> StartAsync(params string[] extra) => await _packages.StartCloudAsync(_directory, [.. await StorageArgumentsAsync(), .. extra]);

    private static Task<HttpResponseMessage> UploadAsync(TestCloud cloud, byte[] package) => TestModelPackages.UploadAsync(cloud, package);

    private static async Task<string> ErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error;
}
