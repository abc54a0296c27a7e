using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Detection.Packaging;
using Npgsql;

namespace Inspection.CloudInference.Tests.Models;

/// <summary>
/// Two cloud replicas on one real PostgreSQL database, each with its own registry folder: a package uploaded to one is
/// listed and served by the other, and one release uploaded to both at once is registered once.
/// </summary>
public sealed class SharedModelRegistryTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>, IDisposable
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

        using var uploaded = await TestModelPackages.UploadAsync(first, _packages.Build(release: 5));
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);

        var listed = await second.Http.GetFromJsonAsync<List<ModelListItem>>("api/models", Token);
        var model = await second.Http.GetByteArrayAsync("api/models/5/model.onnx", Token);
        var manifest = await second.Http.GetByteArrayAsync("api/models/5/manifest.json", Token);
        var signature = await second.Http.GetStringAsync("api/models/5/manifest.sig", Token);

        var item = Assert.Single(listed!);
        Assert.Equal((5L, "inspection-edge", "2.5.0"), (item.Release, item.Name, item.Version));
        Assert.Equal(await File.ReadAllBytesAsync(RepoPaths.EdgeModel, Token), model);
        Assert.Equal(item.ManifestSha256, ModelPackage.Sha256Of(manifest));
        using var trusted = TrustedKeys.Of("device", _packages.Key);
        Assert.Equal(5, ModelPackage.Verify(manifest, signature, trusted).Release);
        // The second replica's copy is its own: written from the database into its folder.
        Assert.True(File.Exists(Path.Combine(_directory.Path, "replica-b", "models", "5", "model.onnx")));
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM models"));
        Assert.Equal((long)model.Length, await ScalarAsync(connectionString, "SELECT length(bytes)::bigint FROM model_files WHERE release = 5 AND path = 'model.onnx'"));
    }

    [Fact]
    public async Task Upload_SameReleaseToBothReplicasAtOnce_RegisteredOnceAndTheOtherRefused409()
    {
        var (first, second, connectionString) = await TwoReplicasAsync();
        await using var _1 = first;
        await using var _2 = second;
        var package = _packages.Build(release: 7);

        var responses = await Task.WhenAll(TestModelPackages.UploadAsync(first, package), TestModelPackages.UploadAsync(second, package));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        var refused = responses.Single(r => r.StatusCode == HttpStatusCode.Conflict);
        Assert.Contains("release 7 is registered already", (await refused.Content.ReadFromJsonAsync<ApiError>(Token))!.Error);
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM models"));
        foreach (var replica in new[] { first, second })
        {
            Assert.Equal(await File.ReadAllBytesAsync(RepoPaths.EdgeModel, Token), await replica.Http.GetByteArrayAsync("api/models/7/model.onnx", Token));
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
