using System.Collections.Concurrent;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests.Fleet;

/// <summary>Two replicas issuing desired states for the same devices at once, on one real PostgreSQL.</summary>
public sealed class DesiredStateConcurrencyTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Issue_TwoReplicasConcurrently_NoVersionIssuedTwiceAndNoneGoesBackwards()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        using var firstDatabase = new PostgreSqlDatabase(connectionString);
        using var secondDatabase = new PostgreSqlDatabase(connectionString);
        await PostgreSqlMigrations.ApplyAsync(firstDatabase.DataSource, cancellationToken);
        var replicas = new[]
        {
            new DesiredStateStore(new PostgreSqlDesiredStateTable(firstDatabase)),
            new DesiredStateStore(new PostgreSqlDesiredStateTable(secondDatabase)),
        };
        const int PerReplica = 60;
        var issued = new ConcurrentBag<List<long>>();

        // Two threads per replica, each issuing in turn and noting the version it got.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(
            () =>
            {
                var replica = thread % 2;
                var seen = new List<long>();
                for (var i = 0; i < PerReplica / 2; i++)
                {
                    var state = i % 2 == 0
                        ? replicas[replica].Issue("cam-1", "normal", $"replica-{replica}", T0)
                        : replicas[replica].IssueModel("cam-1", model: null, rollback: null, $"replica-{replica}", T0);
                    seen.Add(state.Version);
                }

                issued.Add(seen);
            },
            cancellationToken)));

        // Every version issued exactly once, and each thread saw its versions rise.
        Assert.Equal(Enumerable.Range(1, 2 * PerReplica).Select(v => (long)v), issued.SelectMany(x => x).Order());
        Assert.All(issued, seen => Assert.Equal(seen.Order(), seen));

        Assert.Equal(2 * PerReplica, replicas[1].Find("cam-1")!.Version);
    }

    [Fact]
    public async Task Issue_ThreadsOfOneReplicaInTurn_EachSeesAHigherVersionThanItsLast()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        using var firstDatabase = new PostgreSqlDatabase(connectionString);
        using var secondDatabase = new PostgreSqlDatabase(connectionString);
        await PostgreSqlMigrations.ApplyAsync(firstDatabase.DataSource, cancellationToken);
        var first = new DesiredStateStore(new PostgreSqlDesiredStateTable(firstDatabase));
        var second = new DesiredStateStore(new PostgreSqlDesiredStateTable(secondDatabase));
        var sequences = new List<long>[2] { [], [] };

        await Task.WhenAll(
            Task.Run(() => { for (var i = 0; i < 40; i++) sequences[0].Add(first.Issue("cam-2", "normal", "a", T0).Version); }, cancellationToken),
            Task.Run(() => { for (var i = 0; i < 40; i++) sequences[1].Add(second.Issue("cam-2", "reduced", "b", T0, applied: 0).Version); }, cancellationToken));

        Assert.All(sequences, seen => Assert.Equal(seen.Order(), seen));
        Assert.Empty(sequences[0].Intersect(sequences[1]));
        Assert.Equal(80, first.All()["cam-2"].Version);
    }

    [Fact]
    public async Task Issue_DeviceReportsAHigherAppliedVersion_NextVersionIsAboveIt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var database = new PostgreSqlDatabase(await server.CreateDatabaseAsync(cancellationToken));
        await PostgreSqlMigrations.ApplyAsync(database.DataSource, cancellationToken);
        var store = new DesiredStateStore(new PostgreSqlDesiredStateTable(database));
        store.Issue("cam-3", "normal", "a", T0);

        var next = store.Issue("cam-3", "stopped", "a", T0, applied: 41);

        Assert.Equal((42L, "stopped", "a"), (next.Version, store.Find("cam-3")!.Mode, store.Find("cam-3")!.IssuedBy));
        Assert.Equal(T0, store.Find("cam-3")!.IssuedAt);
    }

    [Fact]
    public async Task IssueAgent_OnOneReplica_TheOtherReadsTheTargetAndAModeChangeKeepsIt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        using var firstDatabase = new PostgreSqlDatabase(connectionString);
        using var secondDatabase = new PostgreSqlDatabase(connectionString);
        await PostgreSqlMigrations.ApplyAsync(firstDatabase.DataSource, cancellationToken);
        var first = new DesiredStateStore(new PostgreSqlDesiredStateTable(firstDatabase));
        var second = new DesiredStateStore(new PostgreSqlDesiredStateTable(secondDatabase));
        var agent = new Inspection.Contracts.Mqtt.AgentTarget("1.5.0", "http://cloud:5180/api/agent-releases/1.5.0/agent-1.5.0.zip", new string('a', 64), 4096);

        first.IssueAgent("cam-4", agent, "alice", T0);
        var changed = second.Issue("cam-4", "local-only", "bob", T0);

        Assert.Equal(agent, second.Find("cam-4")!.Agent);
        Assert.Equal((2L, "local-only", agent), (changed.Version, first.Find("cam-4")!.Mode, first.Find("cam-4")!.Agent));
        first.IssueAgent("cam-4", null, "alice", T0);
        Assert.Null(second.Find("cam-4")!.Agent);
    }
}
