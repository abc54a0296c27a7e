using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Net.Client;
using Inspection.CloudInference.Tests.Escalations;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Inspection.EndToEnd.Tests.Infrastructure;
using Inspection.ModelTools.Line;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using EdgeCloudOptions = Inspection.EdgeAgent.Forwarding.CloudOptions;

namespace Inspection.EndToEnd.Tests.Replicas;

/// <summary>
/// Two cloud replicas as real processes (the real service on the real cloud model, one mosquitto between them) and
/// many edges in this process, each with the agent's real forwarder, its own LiteDB outbox and its own balanced channel
/// over both replicas (<c>Cloud:Addresses</c>), streaming frames of the synthetic line. The store is a parameter
/// (<see cref="ReplicaStore"/>): each replica its own LiteDB file, or one PostgreSQL database both share.
/// </summary>
public sealed class ReplicaFailoverTests : IAsyncDisposable
{
    private const int Replicas = 2;
    private readonly string _directory = Directory.CreateTempSubdirectory("inspection-replicas-").FullName;
    private readonly List<CloudReplica> _replicas = [];
    private MosquittoBroker? _broker;

    /// <summary>Every store the replicas can share or split; the spread is only visible in separate stores.</summary>
    public static TheoryData<string> Stores => ["litedb", "postgresql"];

    [Theory]
    [InlineData("litedb")]
    public async Task Forward_BothReplicasUp_EachEdgeSpreadsItsCallsOverBoth(string storeName)
    {
        const int edgeCount = 8;
        const int framesPerEdge = 6;
        await using var store = await ReplicaStore.CreateAsync(storeName, _directory, TestContext.Current.CancellationToken);
        await StartReplicasAsync(store);
        var frames = LineFrames(4);

        // One frame per call, so every edge makes several calls on its own channel.
        var edges = Enumerable.Range(1, edgeCount).Select(i => new Edge(_directory, $"spread-{i}", Addresses(), batchSize: 1)).ToList();
        try
        {
            foreach (var edge in edges)
            {
                for (var n = 0; n < framesPerEdge; n++)
                {
                    edge.Produce(frames[n % frames.Count]);
                }
            }

            await Task.WhenAll(edges.Select(e => e.DrainAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)));
        }
        finally
        {
            edges.ForEach(e => e.Dispose());
        }

        await StopReplicasAsync();
        var stored = store.ReadStored(Replicas);
        foreach (var edge in edges)
        {
            var mine = stored.Where(k => k.DeviceId == edge.DeviceId).ToList();
            Assert.Equal(Enumerable.Range(1, framesPerEdge).Select(n => (long)n), mine.Select(k => k.Sequence).Distinct().Order());
            Assert.Equal(framesPerEdge, mine.Count);
            if (!store.Shared)
            {
                Assert.True(mine.Select(k => k.Store).Distinct().Count() == Replicas, $"{edge.DeviceId} stored only on {string.Join(", ", mine.Select(k => k.Store).Distinct())}");
            }
        }

        Assert.All(edges, e => Assert.Equal(0, e.Rejected));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Forward_ReplicaKilledMidLoad_NothingLostAndEveryEdgeBackOnTheSurvivor(string storeName)
    {
        const int edgeCount = 20;
        var framePeriod = TimeSpan.FromSeconds(2);
        await using var store = await ReplicaStore.CreateAsync(storeName, _directory, TestContext.Current.CancellationToken);
        await StartReplicasAsync(store);
        var frames = LineFrames(8);
        var output = TestContext.Current.TestOutputHelper;
        var token = TestContext.Current.CancellationToken;

        var edges = Enumerable.Range(1, edgeCount).Select(i => new Edge(_directory, $"kill-{i}", Addresses(), batchSize: 16)).ToList();
        long killedAt;
        (long RssKb, long PeakKb) survivorMemory;
        try
        {
            using var producing = CancellationTokenSource.CreateLinkedTokenSource(token);
            var running = edges.Select((e, i) => e.StreamAsync(frames, framePeriod, i * framePeriod / edgeCount, producing.Token)).ToList();

            // Load on both until both have stored, then kill -9 one replica in the middle of it and keep the line running.
            await Task.Delay(TimeSpan.FromSeconds(6), token);
            var victim = _replicas[0];
            killedAt = Stopwatch.GetTimestamp();
            await victim.Process.KillHardAsync();
            await Task.Delay(TimeSpan.FromSeconds(7), token);
            await producing.CancelAsync();
            await Task.WhenAll(running);
            await Task.WhenAll(edges.Select(e => e.DrainAsync(TimeSpan.FromSeconds(60), token)));
            survivorMemory = _replicas[1].Memory();
        }
        finally
        {
            edges.ForEach(e => e.Dispose());
        }

        await StopReplicasAsync();
        var stored = store.ReadStored(Replicas);
        var produced = edges.SelectMany(e => Enumerable.Range(1, (int)e.Produced).Select(n => (e.DeviceId, Sequence: (long)n))).ToHashSet();
        var union = stored.Select(k => (k.DeviceId, k.Sequence)).ToHashSet();
        var lost = produced.Except(union).ToList();
        var copiesInOneStore = stored.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var resent = stored.GroupBy(k => (k.DeviceId, k.Sequence)).Count(g => g.Select(k => k.Store).Distinct().Count() > 1);
        var backAfter = edges.Select(e => e.FirstStoredAfter(killedAt)).ToList();
        var answeredAfter = edges.Select(e => e.FirstAnsweredAfter(killedAt)).ToList();
        var statuses = edges.SelectMany(e => e.Passes).GroupBy(p => p.Status).ToDictionary(g => g.Key, g => g.Count());
        var errors = edges.SelectMany(e => e.Passes).Count(p => p.Status is ForwardingStatus.Failed or ForwardingStatus.CircuitOpen or ForwardingStatus.Paused);
        output?.WriteLine(
            $"{store.Name}: {edgeCount} edges, a frame every {framePeriod.TotalSeconds:0} s each; replica 0 killed with -9 after 6 s (frames stored by then: {edges.Sum(e => e.StoredBefore(killedAt))}); produced {produced.Count}, stored {union.Count} "
            + $"(replica copies: {string.Join(", ", stored.GroupBy(k => k.Store).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}), lost {lost.Count}, "
            + $"re-sent after the kill and stored on both {resent}, copies within one store {copiesInOneStore.Count}, rejected {edges.Sum(e => e.Rejected)}; "
            + $"passes {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}; "
            + $"every edge storing on the survivor again {(backAfter.All(b => b is not null) ? $"{backAfter.Max()!.Value.TotalSeconds:0.00} s" : "never (some edges)")} after the kill "
            + $"(median {backAfter.Where(b => b is not null).Select(b => b!.Value.TotalSeconds).Order().ElementAtOrDefault(edgeCount / 2):0.00} s); "
            + $"every edge answered by the survivor (stored or told to come back later) {(answeredAfter.All(b => b is not null) ? $"{answeredAfter.Max()!.Value.TotalSeconds:0.00} s" : "never (some edges)")} after the kill; "
            + $"calls failed over to the other replica {edges.Sum(e => e.Failovers)}; survivor RSS {survivorMemory.RssKb / 1024} MB, peak {survivorMemory.PeakKb / 1024} MB");

        Assert.Empty(lost);
        Assert.Empty(copiesInOneStore);
        Assert.All(edges, e => Assert.Equal(0, e.Rejected));
        Assert.Equal(0, errors);
        Assert.All(backAfter, b => Assert.NotNull(b));
        if (store.Shared)
        {
            Assert.Equal(0, resent);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopReplicasAsync();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // Two replicas share the 2 cores here: one ONNX Runtime thread each, or they take turns thrashing the caches.
    private static readonly string[] Tuning = ["--Detector:IntraOpThreads=1"];

    private List<string> Addresses() => [.. _replicas.Select(r => r.Address)];

    private async Task StartReplicasAsync(ReplicaStore store)
    {
        var token = TestContext.Current.CancellationToken;
        _broker = await MosquittoBroker.StartAsync(token);
        var starting = Enumerable.Range(0, Replicas).Select(i => CloudReplica.StartAsync(i, _directory, store, _broker.Port, Tuning, token)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            // Those that started are stopped with the test even when another did not start.
            _replicas.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }
    }

    private async Task StopReplicasAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        _replicas.Clear();
    }

    private static List<byte[]> LineFrames(int count)
    {
        using var line = new SyntheticLine(2705);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            using var rendered = line.Render(300 + (i * 40));
            return rendered.Frame.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
        })];
    }

    /// <summary>One edge: its outbox, its balanced channel over the replicas and the agent's forwarder, every pass recorded.</summary>
    private sealed class Edge : IDisposable
    {
        private readonly EdgeDatabase _database;
        private readonly OutboxStore _outbox;
        private readonly GrpcChannel _channel;
        private readonly OutboxForwarder _forwarder;
        private readonly FailoverCounter _log = new();
        private long _produced;

        public Edge(string directory, string deviceId, List<string> addresses, int batchSize)
        {
            DeviceId = deviceId;
            _database = new EdgeDatabase(Path.Combine(directory, $"edge-{deviceId}.db"));
            _outbox = new OutboxStore(_database);
            var cloud = new EdgeCloudOptions { Addresses = addresses, BatchSize = batchSize };
            _channel = CloudChannel.Create(cloud, new DegradationOptions(), tls: null);
            _forwarder = EdgeForwarders.Create(_channel, _database, _outbox, deviceId, "line-replicas", TimeProvider.System, cloud, _log);
        }

        public string DeviceId { get; }

        public long Produced => Interlocked.Read(ref _produced);

        /// <summary>Calls whose replica went away and whose unanswered frames were sent to another at once.</summary>
        public int Failovers => _log.Count;

        /// <summary>Frames the cloud refused (the rejected collection), as counted when the edge was disposed.</summary>
        public int Rejected { get; private set; }

        public ConcurrentQueue<(long At, ForwardingStatus Status, int Stored)> Passes { get; } = new();

        public void Produce(byte[] jpeg)
        {
            var sequence = Interlocked.Increment(ref _produced);
            var now = DateTime.UtcNow;
            _outbox.Add(new OutboxEntry
            {
                Id = sequence,
                LineId = "line-replicas",
                CapturedAt = now,
                Jpeg = jpeg,
                Width = 640,
                Height = 480,
                ModelName = "inspection-edge",
                ModelVersion = "1.0.0",
                Detections = [new DetectionRecord { ClassName = "scratch", Confidence = 0.5f, X1 = 300, Y1 = 200, X2 = 340, Y2 = 230 }],
                Reason = "uncertain: scratch 0.50",
                NextAttemptAt = now,
            });
        }

        /// <summary>
        /// The line and the forwarder side by side until <paramref name="stop"/>: a frame into the outbox every
        /// <paramref name="period"/>, and the agent's forwarding loop (a pass, then the wait it asks for).
        /// </summary>
        public Task StreamAsync(IReadOnlyList<byte[]> frames, TimeSpan period, TimeSpan offset, CancellationToken stop) =>
            Task.WhenAll(Task.Run(() => ProduceAsync(frames, period, offset, stop), CancellationToken.None), Task.Run(() => ForwardAsync(stop), CancellationToken.None));

        private async Task ProduceAsync(IReadOnlyList<byte[]> frames, TimeSpan period, TimeSpan offset, CancellationToken stop)
        {
            try
            {
                await Task.Delay(offset, stop);
                using var timer = new PeriodicTimer(period);
                do
                {
                    Produce(frames[(int)(Produced % frames.Count)]);
                }
                while (await timer.WaitForNextTickAsync(stop));
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task ForwardAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await PassAsync(CancellationToken.None);
                var wait = result.Status switch
                {
                    ForwardingStatus.Sent when result.Unanswered == 0 => TimeSpan.FromMilliseconds(50),
                    ForwardingStatus.Throttled or ForwardingStatus.CircuitOpen when result.RetryAfter is { } hint => hint,
                    _ => TimeSpan.FromMilliseconds(100),
                };
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        /// <summary>Forwards until the outbox is empty, as the agent's loop would, within <paramref name="timeout"/>.</summary>
        public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (_outbox.Count() > 0)
            {
                Assert.True(Stopwatch.GetTimestamp() < deadline, $"{DeviceId}: {_outbox.Count()} frames still in the outbox after {timeout.TotalSeconds} s");
                var result = await PassAsync(cancellationToken);
                if (result.Status != ForwardingStatus.Sent || result.Unanswered > 0)
                {
                    await Task.Delay(result.RetryAfter is { } hint && hint > TimeSpan.Zero ? hint : TimeSpan.FromMilliseconds(100), cancellationToken);
                }
            }
        }

        /// <summary>Frames the cloud had answered as stored by <paramref name="instant"/>.</summary>
        public int StoredBefore(long instant) => Passes.Where(p => p.At <= instant).Sum(p => p.Stored);

        /// <summary>How long after <paramref name="instant"/> this edge's first call that stored anything ended; null if none did.</summary>
        public TimeSpan? FirstStoredAfter(long instant) =>
            Passes.Where(p => p.At > instant && p.Stored > 0).Select(p => (TimeSpan?)Stopwatch.GetElapsedTime(instant, p.At)).FirstOrDefault();

        /// <summary>
        /// How long after <paramref name="instant"/> this edge's first call ended with an answer from a cloud, stored or
        /// the busy answer with its hint (a call that failed or found nothing due does not count); null if none did.
        /// </summary>
        public TimeSpan? FirstAnsweredAfter(long instant) =>
            Passes.Where(p => p.At > instant && (p.Stored > 0 || p.Status == ForwardingStatus.Throttled))
                .Select(p => (TimeSpan?)Stopwatch.GetElapsedTime(instant, p.At)).FirstOrDefault();

        public void Dispose()
        {
            Rejected = _outbox.CountRejected();
            _channel.Dispose();
            _database.Dispose();
        }

        private async Task<ForwardingResult> PassAsync(CancellationToken cancellationToken)
        {
            var result = await _forwarder.ForwardDueAsync(cancellationToken);

            // The agent's loop probes a cloud it has marked unreachable; without it the circuit would never close.
            if (result.Status == ForwardingStatus.CircuitOpen)
            {
                await _forwarder.ProbeCloudAsync(cancellationToken);
            }

            Passes.Enqueue((Stopwatch.GetTimestamp(), result.Status, result.Stored));
            return result;
        }
    }

    /// <summary>Counts the forwarder's "sent to another replica" log events (event id 1608); drops everything else.</summary>
    private sealed class FailoverCounter : ILogger<OutboxForwarder>
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 1608)
            {
                Interlocked.Increment(ref _count);
            }
        }
    }
}
