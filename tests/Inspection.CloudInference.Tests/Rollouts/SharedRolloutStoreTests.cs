using Inspection.CloudInference.Rollouts;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>Two replicas' rollout stores on one real PostgreSQL database: what one writes the other reads and advances.</summary>
public sealed class SharedRolloutStoreTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Save_StartedOnOneReplica_SeenAndAdvancedByTheOther()
    {
        var (first, second, databases) = await TwoReplicasAsync();
        using var _ = databases;
        var started = NewRollout(first.NextId());
        first.Save(started);

        var seen = Assert.Single(second.Active());
        Assert.Equal("ro-1", seen.Id);
        Assert.Equal(1, seen.Version);
        Assert.Equal(RolloutDeviceStates.Updating, seen.Devices[0].State);
        Assert.Equal(T0, seen.Devices[0].OtaSince);

        seen.Devices[0].State = RolloutDeviceStates.Succeeded;
        seen.Waves[0].State = WaveStates.Succeeded;
        seen.State = RolloutStates.Completed;
        second.Save(seen);

        Assert.Empty(first.Active());
        var read = first.Find("ro-1")!;
        Assert.Equal(RolloutStates.Completed, read.State);
        Assert.Equal(RolloutDeviceStates.Succeeded, read.Devices[0].State);
        Assert.Equal(2, read.Version);
        Assert.Equal("ro-2", first.NextId());
        Assert.Equal(["ro-1"], second.All().Select(r => r.Id));
    }

    [Fact]
    public async Task Save_OverAVersionTheOtherReplicaReplaced_RefusedAndNothingWritten()
    {
        var (first, second, databases) = await TwoReplicasAsync();
        using var _ = databases;
        var held = NewRollout("ro-1");
        first.Save(held);
        var other = second.Find("ro-1")!;
        other.State = RolloutStates.Paused;
        second.Save(other);

        held.State = RolloutStates.Cancelled;
        var conflict = Assert.Throws<RolloutConflictException>(() => first.Save(held));

        Assert.Equal("ro-1", conflict.RolloutId);
        Assert.Equal(1, held.Version);
        var stored = second.Find("ro-1")!;
        Assert.Equal(RolloutStates.Paused, stored.State);
        Assert.Equal(2, stored.Version);
    }

    [Fact]
    public async Task Save_SameNewIdOnBothReplicas_SecondRefused()
    {
        var (first, second, databases) = await TwoReplicasAsync();
        using var _ = databases;
        first.Save(NewRollout(first.NextId()));
        var late = NewRollout("ro-1");
        late.IssuedBy = "bob";

        Assert.Throws<RolloutConflictException>(() => second.Save(late));
        Assert.Equal("alice", second.Find("ro-1")!.IssuedBy);
    }

    [Fact]
    public async Task Save_AgentRollout_ItsAgentFieldsReadBackOnTheOtherReplica()
    {
        var (first, second, databases) = await TwoReplicasAsync();
        using var _ = databases;
        var started = NewRollout("ro-1");
        started.Release = 0;
        started.AgentVersion = "1.5.0";
        started.Devices[0].FromAgentVersion = "1.4.0";
        started.Devices[0].PreviousAgentJson = "{\"version\":\"1.4.1\"}";
        first.Save(started);

        var read = second.Find("ro-1")!;

        Assert.Equal((0L, "1.5.0"), (read.Release, read.AgentVersion));
        var device = read.Devices[0];
        Assert.Equal(("1.4.0", "{\"version\":\"1.4.1\"}"), (device.FromAgentVersion, device.PreviousAgentJson));
    }

    private async Task<(RolloutStore First, RolloutStore Second, Disposables Databases)> TwoReplicasAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var firstDatabase = new PostgreSqlDatabase(connectionString);
        var secondDatabase = new PostgreSqlDatabase(connectionString);
        await PostgreSqlMigrations.ApplyAsync(firstDatabase.DataSource, cancellationToken);
        return (
            new RolloutStore(new PostgreSqlRolloutTable(firstDatabase)),
            new RolloutStore(new PostgreSqlRolloutTable(secondDatabase)),
            new Disposables(firstDatabase, secondDatabase));
    }

    private static StoredRollout NewRollout(string id) => new()
    {
        Id = id,
        Release = 3,
        ModelName = "yolo",
        ModelVersion = "1.1.0",
        TargetJson = "{\"all\":true}",
        StrategyJson = "{}",
        BaseUrl = "http://cloud:8080/",
        State = RolloutStates.Running,
        IssuedBy = "alice",
        CreatedAt = T0,
        UpdatedAt = T0,
        Waves = [new StoredWave { Index = 0, State = WaveStates.Running, StartedAt = T0 }],
        Devices = [new StoredRolloutDevice { DeviceId = "cam-1", State = RolloutDeviceStates.Updating, Since = T0, StartedAt = T0, OtaSince = T0 }],
    };

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }
}
