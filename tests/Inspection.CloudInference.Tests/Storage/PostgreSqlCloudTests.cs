using Grpc.Health.V1;
using System.Net.Http.Json;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inspection.CloudInference.Tests.Storage;

/// <summary>The real cloud app with <c>Cloud:StorageProvider=postgresql</c> on a real PostgreSQL: alone, and as two replicas.</summary>
public sealed class PostgreSqlCloudTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Escalate_CloudOnPostgreSql_StoredInTheDatabaseAndARepeatAnsweredAsDuplicate()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        await using var cloud = await TestCloud.StartAsync(_directory.Folder("cloud"), OnPostgreSql(connectionString));

        var first = await cloud.EscalateAsync(TestFrames.Request("cam-1", 1, TestFrames.PassGrey), TestFrames.Request("cam-1", 2, TestFrames.DefectGrey));
        var repeat = await cloud.EscalateAsync(TestFrames.Request("cam-1", 2, TestFrames.DefectGrey));

        Assert.All(first, reply => Assert.False(reply.Duplicate));
        Assert.True(Assert.Single(repeat).Duplicate);
        Assert.IsType<PostgreSqlEscalationStore>(cloud.App.Services.GetRequiredService<IEscalationStore>());
        Assert.Equal(new EscalationSummary(2, 1, 0, 1, 1, 0), await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", cancellationToken));
        Assert.Equal(2L, await ScalarAsync(connectionString, "SELECT count(*) FROM escalations JOIN frames USING (key)"));
        Assert.Equal(PostgreSqlMigrationsCount, await ScalarAsync(connectionString, "SELECT count(*) FROM schema_migrations"));
        var image = await cloud.Http.GetByteArrayAsync("api/escalations/cam-1/2/image", cancellationToken);
        Assert.Equal(TestFrames.Request("cam-1", 2, TestFrames.DefectGrey).Jpeg.ToByteArray(), image);
    }

    [Fact]
    public async Task Escalate_SameKeysToTwoReplicasAtOnce_EachStoredOnceAndTheOtherAnsweredDuplicate()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var replicas = await Task.WhenAll(
            TestCloud.StartAsync(_directory.Folder("replica-a"), OnPostgreSql(connectionString)),
            TestCloud.StartAsync(_directory.Folder("replica-b"), OnPostgreSql(connectionString)));
        await using var first = replicas[0];
        await using var second = replicas[1];
        var requests = Enumerable.Range(1, 20).Select(i => TestFrames.Request("cam-2", (ulong)i, TestFrames.PassGrey)).ToArray();

        var replies = await Task.WhenAll(first.EscalateAsync(requests), second.EscalateAsync(requests));

        var all = replies.SelectMany(r => r).ToList();
        Assert.Equal(40, all.Count);
        Assert.All(all.GroupBy(r => r.Key.Sequence), key => Assert.Equal(1, key.Count(r => !r.Duplicate)));
        Assert.All(all, reply => Assert.Equal(Verdict.Pass, reply.Verdict));
        Assert.Equal(20L, await ScalarAsync(connectionString, "SELECT count(*) FROM escalations"));
        Assert.Equal(20L, await ScalarAsync(connectionString, "SELECT value FROM counters WHERE name = 'duplicates-answered'"));
    }

    [Fact]
    public async Task IssueDesiredState_OnOneReplica_TheOtherSeesItAndIssuesTheNextVersion()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        await using var first = await TestCloud.StartAsync(_directory.Folder("replica-a"), OnPostgreSql(connectionString));
        await using var second = await TestCloud.StartAsync(_directory.Folder("replica-b"), OnPostgreSql(connectionString));
        var at = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

        var issued = first.App.Services.GetRequiredService<DesiredStateStore>().Issue("cam-3", "local-only", "a", at);
        var seen = second.App.Services.GetRequiredService<DesiredStateStore>().Find("cam-3");
        var next = second.App.Services.GetRequiredService<DesiredStateStore>().Issue("cam-3", "normal", "b", at);

        Assert.Equal((issued.Version, "local-only"), (seen!.Version, seen.Mode));
        Assert.Equal(issued.Version + 1, next.Version);
    }

    [Fact]
    public async Task RolloutLease_TwoReplicas_ExactlyOneHoldsItUntilItStops()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var replicas = new List<TestCloud>
        {
            await TestCloud.StartAsync(_directory.Folder("replica-a"), OnPostgreSql(connectionString)),
            await TestCloud.StartAsync(_directory.Folder("replica-b"), OnPostgreSql(connectionString)),
        };
        try
        {
            var leases = replicas.Select(c => c.App.Services.GetRequiredKeyedService<IRunOnceLease>(RunOnceLeases.Rollouts)).ToList();

            // The controllers ask at every tick: wait until one of them has it.
            var holders = await Eventually.WaitAsync(
                "one replica holds the rollout lease",
                async ct => (await Task.WhenAll(leases.Select(l => l.HoldAsync(ct)))).Count(held => held),
                count => count > 0,
                Eventually.DefaultTimeout,
                cancellationToken);
            Assert.Equal(1, holders);
            var holder = await leases[0].HoldAsync(cancellationToken) ? 0 : 1;

            await replicas[holder].DisposeAsync();
            var other = leases[1 - holder];
            replicas.RemoveAt(holder);

            await Eventually.UntilAsync(() => other.HoldAsync(cancellationToken).GetAwaiter().GetResult(), "the other replica takes the rollout lease over");
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Health_DatabaseStopped_NotServingNamingTheServerAndServingWhenItIsBack()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        await using var cloud = await TestCloud.StartAsync(_directory.Folder("cloud"), OnPostgreSql(connectionString));
        var health = new Health.HealthClient(cloud.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest(), cancellationToken: cancellationToken)).Status);

        await server.StopAsync(cancellationToken);
        try
        {
            // Edges probe this to choose a replica: one whose database is gone must not take their frames.
            await Eventually.WaitAsync(
                "the replica reports not serving",
                async ct => (await health.CheckAsync(new HealthCheckRequest(), cancellationToken: ct)).Status,
                status => status == HealthCheckResponse.Types.ServingStatus.NotServing,
                Eventually.DefaultTimeout,
                cancellationToken);
            using var response = await cloud.Http.GetAsync("/healthz", cancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains($"127.0.0.1:{server.Port}", await response.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        }
        finally
        {
            await server.RestartAsync(cancellationToken);
        }

        await Eventually.WaitAsync(
            "the replica serves again",
            async ct => (await health.CheckAsync(new HealthCheckRequest(), cancellationToken: ct)).Status,
            status => status == HealthCheckResponse.Types.ServingStatus.Serving,
            Eventually.DefaultTimeout,
            cancellationToken);
        Assert.False(Assert.Single(await cloud.EscalateAsync(TestFrames.Request("cam-5", 1, TestFrames.PassGrey))).Duplicate);
    }

    [Fact]
    public async Task Run_ServerNotReachable_ExitsWithOneLineNamingTheServerAndWhy()
    {
        using var refused = LoopbackPort.Refused();
        var args = TestCloud.Arguments(_directory.Path, 0, 0, LoopbackPort.Candidate(), TinyOnnxModel.Write(_directory.Path));
        args.AddRange(OnPostgreSql($"Host=127.0.0.1;Port={refused.Port};Database=inspection;Username=inspection;Password=secret-word"));
        using var error = new StringWriter();

        var code = await CloudInferenceApp.RunAsync([.. args], error, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{refused.Port}/inspection", line, StringComparison.Ordinal);
        Assert.Contains("Cloud:PostgreSqlConnectionString", line, StringComparison.Ordinal);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret-word", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql", "x", "Cloud:StorageProvider 'mysql' is not known")]
    [InlineData("postgresql", "", "Cloud:PostgreSqlConnectionString is required")]
    [InlineData("postgresql", "Host=db;Database=inspection;Colour=blue", "Cloud:PostgreSqlConnectionString is not a valid connection string")]
    [InlineData("postgresql", "Database=inspection", "names no server")]
    public async Task Run_InvalidStorageSetting_ExitsNamingTheKey(string provider, string connectionString, string expected)
    {
        var args = TestCloud.Arguments(_directory.Path, 0, 0, LoopbackPort.Candidate(), TinyOnnxModel.Write(_directory.Path));
        args.AddRange([$"--Cloud:StorageProvider={provider}", $"--Cloud:PostgreSqlConnectionString={connectionString}"]);
        using var error = new StringWriter();

        var code = await CloudInferenceApp.RunAsync([.. args], error, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    private static long PostgreSqlMigrationsCount => PostgreSqlMigrations.All.Count;

    private static string[] OnPostgreSql(string connectionString) =>
        ["--Cloud:StorageProvider=postgresql", $"--Cloud:PostgreSqlConnectionString={connectionString}"];

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
