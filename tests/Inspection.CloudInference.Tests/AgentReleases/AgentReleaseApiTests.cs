using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Detection.Packaging;

namespace Inspection.CloudInference.Tests.AgentReleases;

/// <summary>
/// Agent releases over real HTTP: a bundle is accepted only signed by a trusted publisher key, an agent's (not a model
/// package), whole, and with a version not registered yet; it is listed, and served byte for byte with the size and
/// SHA-256 a device's desired state carries, resumable with Range. Run with the releases in the LiteDB file
/// (<see cref="LiteDbAgentReleaseApiTests"/>) and in a real PostgreSQL (<see cref="PostgreSqlAgentReleaseApiTests"/>).
/// </summary>
public abstract class AgentReleaseApiTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();

    public void Dispose()
    {
        _packages.Dispose();
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The arguments that choose where the cloud stores its data.</summary>
    protected abstract Task<IReadOnlyList<string>> StorageArgumentsAsync();

    [Fact]
    public async Task Upload_SignedBundle_RegisteredListedAndServedWithItsHash()
    {
        await using var cloud = await StartAsync();
        var bundle = TestAgentBundles.Build(_directory, "1.5.0", _packages.Key);
        var cancellationToken = TestContext.Current.CancellationToken;

        var response = await TestAgentBundles.UploadAsync(cloud, bundle);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<AgentReleaseItem>(cancellationToken))!;
        Assert.Equal(
            ("1.5.0", ModelPackage.Sha256Of(bundle), (long)bundle.Length, _packages.KeyId, TestAgentBundles.Entry, 2, TestCloud.AdminName),
            (item.Version, item.Sha256, item.Size, item.KeyId, item.Entry, item.Files, item.UploadedBy));
        Assert.Equal("/api/agent-releases/1.5.0/agent-1.5.0.zip", item.BundleUrl);
        var listed = await cloud.Http.GetFromJsonAsync<List<AgentReleaseItem>>("api/agent-releases", cancellationToken);
        Assert.Equal(["1.5.0"], listed!.Select(r => r.Version));

        // Devices download without an account, and get exactly the bytes whose hash their desired state names.
        using var served = await cloud.Anonymous.GetAsync(item.BundleUrl.TrimStart('/'), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(bundle, await served.Content.ReadAsByteArrayAsync(cancellationToken));
        Assert.Equal($"\"{item.Sha256}\"", served.Headers.ETag!.Tag);

        using var ranged = new HttpRequestMessage(HttpMethod.Get, item.BundleUrl.TrimStart('/'));
        ranged.Headers.Range = new RangeHeaderValue(1000, null);
        using var rest = await cloud.Anonymous.SendAsync(ranged, cancellationToken);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(bundle[1000..], await rest.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    [Fact]
    public async Task Upload_SignedByAnUntrustedKey_RefusedAndNotListed()
    {
        await using var cloud = await StartAsync();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var response = await TestAgentBundles.UploadAsync(cloud, TestAgentBundles.Build(_directory, "1.5.0", stranger));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error;
        Assert.StartsWith($"it is signed by key {ManifestSignature.KeyIdOf(stranger)}, which this agent releases does not trust", error, StringComparison.Ordinal);
        Assert.Empty((await cloud.Http.GetFromJsonAsync<List<AgentReleaseItem>>("api/agent-releases", TestContext.Current.CancellationToken))!);
        Assert.Equal(HttpStatusCode.NotFound, (await cloud.Anonymous.GetAsync("api/agent-releases/1.5.0/agent-1.5.0.zip", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Upload_ModelPackage_RefusedAsTheWrongKind()
    {
        await using var cloud = await StartAsync();

        var response = await TestAgentBundles.UploadAsync(cloud, _packages.Build(release: 4));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(
            "its manifest is refused: the manifest is not an edge agent's (kind must be \"edge-agent\"): a model package is installed as a model, not as the agent",
            (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
    }

    [Fact]
    public async Task Upload_FileChangedAfterSigning_Refused()
    {
        await using var cloud = await StartAsync();
        var tampered = Retouch(TestAgentBundles.Build(_directory, "1.5.0", _packages.Key));

        var response = await TestAgentBundles.UploadAsync(cloud, tampered);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(
            $"{TestAgentBundles.Entry} does not match the SHA-256 in the signed manifest: the file was changed or damaged",
            (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
    }

    [Fact]
    public async Task Upload_VersionRegisteredAlready_RefusedAsConflict()
    {
        await using var cloud = await StartAsync();
        var first = TestAgentBundles.Build(_directory, "1.5.0", _packages.Key);
        Assert.Equal(HttpStatusCode.Created, (await TestAgentBundles.UploadAsync(cloud, first)).StatusCode);

        var response = await TestAgentBundles.UploadAsync(cloud, TestAgentBundles.Build(_directory, "1.5.0", _packages.Key));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error;
        Assert.Equal($"agent 1.5.0 is registered already (uploaded by {TestCloud.AdminName}, sha256 {ModelPackage.Sha256Of(first)[..12]}…): every bundle needs a new version", error);

        // The first upload's bundle is still the one served.
        Assert.Equal(first, await cloud.Anonymous.GetByteArrayAsync("api/agent-releases/1.5.0/agent-1.5.0.zip", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Upload_OverTheConfiguredLimit_Refused413AndNotListed()
    {
        await using var cloud = await StartAsync("--Cloud:AgentReleases:MaxBundleMegabytes=1");

        var response = await TestAgentBundles.UploadAsync(cloud, RandomNumberGenerator.GetBytes((1024 * 1024) + 1));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(
            "the bundle is larger than Cloud:AgentReleases:MaxBundleMegabytes (1 MB)",
            (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
        Assert.Empty((await cloud.Http.GetFromJsonAsync<List<AgentReleaseItem>>("api/agent-releases", TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task Upload_AsOperator_ForbiddenButTheOperatorMayList()
    {
        await using var cloud = await StartAsync();
        var operatorClient = cloud.ClientAs(AccountRoles.Operator);

        var response = await TestAgentBundles.UploadAsync(cloud, TestAgentBundles.Build(_directory, "1.5.0", _packages.Key), operatorClient);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty((await operatorClient.GetFromJsonAsync<List<AgentReleaseItem>>("api/agent-releases", TestContext.Current.CancellationToken))!);
        Assert.Equal(HttpStatusCode.Created, (await TestAgentBundles.UploadAsync(cloud, TestAgentBundles.Build(_directory, "1.5.0", _packages.Key), cloud.ClientAs(AccountRoles.Engineer))).StatusCode);
    }

    private async Task<TestCloud> StartAsync(params string[] extra) => await _packages.StartCloudAsync(_directory, [.. await StorageArgumentsAsync(), .. extra]);

    /// <summary>The bundle with its entry script's bytes changed and the signed manifest left as it was.</summary>
    private static byte[] Retouch(byte[] bundle)
    {
        using var output = new MemoryStream();
        using (var source = new System.IO.Compression.ZipArchive(new MemoryStream(bundle), System.IO.Compression.ZipArchiveMode.Read))
        using (var target = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                var copy = target.CreateEntry(entry.FullName);
                copy.ExternalAttributes = entry.ExternalAttributes;
                using var from = entry.Open();
                using var to = copy.Open();
                if (entry.FullName == TestAgentBundles.Entry)
                {
                    var bytes = new MemoryStream();
                    from.CopyTo(bytes);
                    var changed = bytes.ToArray();
                    changed[^2] ^= 0x20;
                    to.Write(changed);
                }
                else
                {
                    from.CopyTo(to);
                }
            }
        }

        return output.ToArray();
    }
}
