using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Detection.Packaging;
using Npgsql;

namespace Inspection.CloudInference.Tests.AgentReleases;

/// <summary>
/// Two cloud replicas on one real PostgreSQL database, each with its own bundle folder: a bundle uploaded to one is
/// listed and served byte for byte by the other, and one version uploaded to both at once is registered once.
/// </summary>
public sealed class SharedAgentReleaseTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();

    public void Dispose()
    {
        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Upload_ToOneReplica_ListedAndServedWholeByTheOther()
    {
        var (first, second, connectionString) = await TwoReplicasAsync();
        await using var _1 = first;
        await using var _2 = second;
        var bundle = TestAgentBundles.Build(_directory, "1.6.0", _packages.Key);

        using var uploaded = await TestAgentBundles.UploadAsync(first, bundle);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);

        var listed = await second.Http.GetFromJsonAsync<List<AgentReleaseItem>>("api/agent-releases", Token);
        var item = Assert.Single(listed!);
        Assert.Equal(("1.6.0", ModelPackage.Sha256Of(bundle), (long)bundle.Length), (item.Version, item.Sha256, item.Size));
        var localCopy = Path.Combine(_directory.Path, "replica-b", "agent-releases", "agent-1.6.0.zip");
        Assert.False(File.Exists(localCopy));

        // A device downloads from the replica that never saw the upload: whole, with its hash as ETag, and resumable.
        using var served = await second.Anonymous.GetAsync(item.BundleUrl.TrimStart('/'), Token);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(bundle, await served.Content.ReadAsByteArrayAsync(Token));
        Assert.Equal($"\"{item.Sha256}\"", served.Headers.ETag!.Tag);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, item.BundleUrl.TrimStart('/'));
        ranged.Headers.Range = new RangeHeaderValue(1000, null);
        using var rest = await second.Anonymous.SendAsync(ranged, Token);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(bundle[1000..], await rest.Content.ReadAsByteArrayAsync(Token));

        // The second replica's copy is its own, written from the database into its folder.
        Assert.Equal(bundle, await File.ReadAllBytesAsync(localCopy, Token));
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM agent_releases"));
        Assert.Equal((long)bundle.Length, await ScalarAsync(connectionString, "SELECT length(bundle)::bigint FROM agent_release_bundles WHERE version = '1.6.0'"));
    }

    [Fact]
    public async Task Upload_SameVersionToBothReplicasAtOnce_RegisteredOnceAndTheOtherRefused409()
    {
        var (first, second, connectionString) = await TwoReplicasAsync();
        await using var _1 = first;
        await using var _2 = second;
        var bundle = TestAgentBundles.Build(_directory, "1.7.0", _packages.Key);

        var responses = await Task.WhenAll(TestAgentBundles.UploadAsync(first, bundle), TestAgentBundles.UploadAsync(second, bundle));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        var refused = responses.Single(r => r.StatusCode == HttpStatusCode.Conflict);
        Assert.Contains("agent 1.7.0 is registered already", (await refused.Content.ReadFromJsonAsync<ApiError>(Token))!.Error);
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM agent_releases"));
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM agent_release_bundles"));
        foreach (var replica in new[] { first, second })
        {
            Assert.Equal(bundle, await replica.Anonymous.GetByteArrayAsync("api/agent-releases/1.7.0/agent-1.7.0.zip", Token));
        }

        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<(TestCloud First, TestCloud Second, string ConnectionString)> TwoReplicasAsync()
    {
        var connectionString = await server.CreateDatabaseAsync(Token);
        var keys = _packages.Trust(_directory.File("keys"));
        string[] Replica(string name) =>
        [
            "--Cloud:StorageProvider=postgresql",
            $"--Cloud:PostgreSqlConnectionString={connectionString}",
            $"--Cloud:Models:StoragePath={Path.Combine(_directory.Folder(name), "models")}",
            $"--Cloud:Models:TrustedKeysPath={keys}",
        ];

        var replicas = await Task.WhenAll(
            TestCloud.StartAsync(_directory.Folder("replica-a"), Replica("replica-a")),
            TestCloud.StartAsync(_directory.Folder("replica-b"), [.. Replica("replica-b"), "--Cloud:Broker:Enabled=false"]));
        return (replicas[0], replicas[1], connectionString);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Token);
    }
}
