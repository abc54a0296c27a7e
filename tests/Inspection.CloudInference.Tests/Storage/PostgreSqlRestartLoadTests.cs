using System.Collections.Concurrent;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.CloudInference.Tests.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Npgsql;

namespace Inspection.CloudInference.Tests.Storage;

/// <summary>
/// Twenty edges (each the real forwarder with its own LiteDB outbox) spread over two cloud replicas on one real
/// PostgreSQL, which is stopped mid-load and started again: every frame ends stored exactly once, and every outbox
/// empty. The frames sent while the database is down wait in the outboxes, as the edges do in production.
/// </summary>
public sealed class PostgreSqlRestartLoadTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>, IDisposable
{
    private const int Edges = 20;
    private const int FramesPerEdge = 6;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Forward_DatabaseRestartedMidLoad_EveryFrameStoredExactlyOnceAndNoOutboxKeepsAny()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        string[] args = ["--Cloud:StorageProvider=postgresql", $"--Cloud:PostgreSqlConnectionString={connectionString}"];
        await using var first = await TestCloud.StartAsync(_directory.Folder("replica-a"), args);
        await using var second = await TestCloud.StartAsync(_directory.Folder("replica-b"), args);
        var replicas = new[] { first, second };
        using var firstHalfSent = new CountdownEvent(Edges);
        var databaseDown = new TaskCompletionSource();
        var outcomes = new ConcurrentBag<ForwardingStatus>();

        var edges = Enumerable.Range(1, Edges)
            .Select(edge => Task.Run(() => RunEdgeAsync(replicas[edge % 2], edge, firstHalfSent, databaseDown.Task, outcomes), cancellationToken))
            .ToList();

        // Half of every edge's frames stored; then the database goes away under both replicas.
        await Task.Run(() => firstHalfSent.Wait(cancellationToken), cancellationToken);
        Assert.Equal(Edges * FramesPerEdge / 2L, await CountAsync(connectionString, cancellationToken));
        await server.StopAsync(cancellationToken);
        foreach (var replica in replicas)
        {
            var health = new Health.HealthClient(replica.Channel);
            await Eventually.WaitAsync(
                "the replica reports not serving",
                async ct => (await health.CheckAsync(new HealthCheckRequest(), cancellationToken: ct)).Status,
                status => status == HealthCheckResponse.Types.ServingStatus.NotServing,
                Eventually.DefaultTimeout,
                cancellationToken);
        }

        databaseDown.SetResult();
        await Eventually.UntilAsync(() => outcomes.Any(o => o != ForwardingStatus.Sent), "the edges meet the outage");
        await server.RestartAsync(cancellationToken);
        var outboxes = await Task.WhenAll(edges);

        var stored = await KeysAsync(connectionString, cancellationToken);
        var expected = Enumerable.Range(1, Edges).SelectMany(edge => Enumerable.Range(1, FramesPerEdge).Select(sequence => $"pg-load-{edge}/{sequence}")).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Edges} edges × {FramesPerEdge} frames over 2 replicas: {outcomes.Count(o => o == ForwardingStatus.Sent)} calls stored, "
            + string.Join(", ", outcomes.Where(o => o != ForwardingStatus.Sent).GroupBy(o => o).Select(g => $"{g.Count()} {g.Key}")));
        Assert.Equal(expected.Order(), stored);
        Assert.All(outboxes, left => Assert.Equal(0, left));
    }

    // One edge: half its frames into the outbox and forwarded; the rest added once the database is down and forwarded
    // through the outage until the outbox is empty, honouring every retry hint and backoff. Returns what is left.
    private async Task<int> RunEdgeAsync(TestCloud cloud, int edge, CountdownEvent firstHalfSent, Task databaseDown, ConcurrentBag<ForwardingStatus> outcomes)
    {
        var token = TestContext.Current.CancellationToken;
        var time = TimeProvider.System;
        using var database = new EdgeDatabase(Path.Combine(_directory.Path, $"edge-{edge}.db"));
        var outbox = new OutboxStore(database);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cloud.GrpcPort}", OutboxForwarder.ChannelOptions(new DegradationOptions()));
        var forwarder = EdgeForwarders.Create(channel, database, outbox, $"pg-load-{edge}", "line-load", time);
        var jpeg = TestFrames.Jpeg(TestFrames.PassGrey);
        for (var sequence = 1; sequence <= FramesPerEdge; sequence++)
        {
            if (sequence == FramesPerEdge / 2 + 1)
            {
                await DrainAsync(forwarder, outbox, outcomes, token);
                firstHalfSent.Signal();
                await databaseDown.WaitAsync(token);
            }

            outbox.Add(Entry(sequence, jpeg, time));
        }

        await DrainAsync(forwarder, outbox, outcomes, token);
        return outbox.Count();
    }

    private static async Task DrainAsync(OutboxForwarder forwarder, OutboxStore outbox, ConcurrentBag<ForwardingStatus> outcomes, CancellationToken token)
    {
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout * 4;
        while (outbox.Count() > 0 && DateTime.UtcNow < deadline)
        {
            var result = await forwarder.ForwardDueAsync(token);
            outcomes.Add(result.Status);

            // As the forwarder's own loop does: while the cloud is held unreachable, only its health is probed.
            if (result.Status is ForwardingStatus.Idle or ForwardingStatus.CircuitOpen)
            {
                await forwarder.ProbeCloudAsync(token);
            }

            if (result.Status != ForwardingStatus.Sent)
            {
                await Task.Delay(result.RetryAfter is { } hint && hint > TimeSpan.Zero ? hint : TimeSpan.FromMilliseconds(100), token);
            }
        }
    }

    private static OutboxEntry Entry(long sequence, byte[] jpeg, TimeProvider time) => new()
    {
        Id = sequence,
        LineId = "line-load",
        CapturedAt = time.GetUtcNow().UtcDateTime,
        Jpeg = jpeg,
        Width = 64,
        Height = 48,
        ModelName = "inspection-edge",
        ModelVersion = "1.0.0",
        Detections = [new DetectionRecord { ClassName = "scratch", Confidence = 0.5f, X1 = 3, Y1 = 2, X2 = 34, Y2 = 23 }],
        Reason = "uncertain: scratch 0.50",
        NextAttemptAt = time.GetUtcNow().UtcDateTime,
    };

    private static async Task<long> CountAsync(string connectionString, CancellationToken cancellationToken) =>
        (await KeysAsync(connectionString, cancellationToken)).Count;

    private static async Task<List<string>> KeysAsync(string connectionString, CancellationToken cancellationToken)
    {
        // Not pooled: the pool would hand out a connection from before the restart.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT key FROM escalations ORDER BY key", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys.Order().ToList();
    }
}
