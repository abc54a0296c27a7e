using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Net.Client;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Inspection.ModelTools.Line;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>
/// Fifty edges at once against one cloud running the real cloud model with batching and a small queue: each edge's
/// real forwarder, its own LiteDB outbox and gRPC channel, line frames as the devices send them. Every frame is stored
/// exactly once, the only refusals are the backpressure answer, and every outbox ends empty.
/// </summary>
public sealed class FleetLoadTests : IDisposable
{
    private const int Edges = 50;
    private const int FramesPerEdge = 4;
    private readonly TempDirectory _directory = new();
    private readonly ConcurrentBag<string> _failures = [];

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Forward_FiftyEdgesAtOnce_EveryFrameStoredOnceAndOnlyBackpressureRefuses()
    {
        var frames = LineFrames(8);
        await using var cloud = await TestCloud.StartAsync(
            _directory.Path,
            [
                "--Cloud:Batching:MaxBatchSize=8",
                "--Cloud:Batching:MaxWaitMilliseconds=20",
                "--Cloud:Batching:QueueCapacity=16",
                "--Cloud:Batching:RetryAfterMilliseconds=200",
            ],
            realCloudModel: true);
        var memory = new MemorySampler();
        var outcomes = new ConcurrentBag<ForwardingStatus>();

        await Task.WhenAll(Enumerable.Range(1, Edges).Select(edge => Task.Run(() => RunEdgeAsync(cloud, edge, frames, outcomes), TestContext.Current.CancellationToken)));
        var (start, peak) = memory.Stop();

        var store = cloud.App.Services.GetRequiredService<EscalationStore>();
        var stored = store.FindAll().Where(e => e.DeviceId.StartsWith("load-", StringComparison.Ordinal)).ToList();
        var duplicates = stored.GroupBy(e => (e.DeviceId, e.Sequence)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var missing = Enumerable.Range(1, Edges)
            .SelectMany(edge => Enumerable.Range(1, FramesPerEdge).Select(sequence => ($"load-{edge}", (long)sequence)))
            .Except(stored.Select(e => (e.DeviceId, e.Sequence)))
            .ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Edges} edges × {FramesPerEdge} frames: {outcomes.Count(o => o == ForwardingStatus.Sent)} calls stored, "
            + $"{outcomes.Count(o => o == ForwardingStatus.Throttled)} throttled, {outcomes.Count(o => o == ForwardingStatus.Idle)} idle; failures: {string.Join("; ", _failures.Take(5))}; working set of the test process (cloud and edges) {start / 1048576} MB → peak {peak / 1048576} MB");
        Assert.Empty(missing);
        Assert.Empty(duplicates);
        Assert.Equal(Edges * FramesPerEdge, stored.Count);
        Assert.DoesNotContain(outcomes, o => o is not (ForwardingStatus.Sent or ForwardingStatus.Throttled or ForwardingStatus.Idle));
        Assert.Equal(0, store.Summary().Rejected);
    }

    // One edge: its outbox filled, then forwarded until empty, honouring every retry hint; each call's outcome recorded.
    private async Task RunEdgeAsync(TestCloud cloud, int edge, IReadOnlyList<byte[]> frames, ConcurrentBag<ForwardingStatus> outcomes)
    {
        var token = TestContext.Current.CancellationToken;
        var time = TimeProvider.System;
        using var database = new EdgeDatabase(Path.Combine(_directory.Path, $"edge-{edge}.db"));
        var outbox = new OutboxStore(database);
        for (var sequence = 1; sequence <= FramesPerEdge; sequence++)
        {
            outbox.Add(Entry(sequence, frames[(edge + sequence) % frames.Count], time));
        }

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cloud.GrpcPort}", OutboxForwarder.ChannelOptions(new DegradationOptions()));
        // A call's deadline of 30 s rather than the shipped 10: fifty edges and the real cloud model share two cores here
        // (with other test classes), and a call starved past its deadline is the machine, not the protocol under test.
        var cloudOptions = new Inspection.EdgeAgent.Forwarding.CloudOptions { Address = $"http://127.0.0.1:{cloud.GrpcPort}", DeadlineSeconds = 30 };
        var forwarder = EdgeForwarders.Create(channel, database, outbox, $"load-{edge}", "line-load", time, cloudOptions);
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout * 6;
        while (outbox.Count() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"load-{edge}: {outbox.Count()} frames still in the outbox");
            var result = await forwarder.ForwardDueAsync(token);
            outcomes.Add(result.Status);
            if (result.Status is ForwardingStatus.Failed or ForwardingStatus.CircuitOpen or ForwardingStatus.Paused)
            {
                _failures.Add($"load-{edge}: {result.Status} {string.Join(" | ", Enumerable.Range(1, FramesPerEdge).Select(n => outbox.Find(n)?.LastError))}");
                return;
            }

            if (result.Status != ForwardingStatus.Sent)
            {
                await Task.Delay(result.RetryAfter is { } hint && hint > TimeSpan.Zero ? hint : TimeSpan.FromMilliseconds(50), token);
            }
        }
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

    private static OutboxEntry Entry(long sequence, byte[] jpeg, TimeProvider time) => new()
    {
        Id = sequence,
        LineId = "line-load",
        CapturedAt = time.GetUtcNow().UtcDateTime,
        Jpeg = jpeg,
        Width = 640,
        Height = 480,
        ModelName = "inspection-edge",
        ModelVersion = "1.0.0",
        Detections = [new DetectionRecord { ClassName = "scratch", Confidence = 0.5f, X1 = 300, Y1 = 200, X2 = 340, Y2 = 230 }],
        Reason = "uncertain: scratch 0.50",
        NextAttemptAt = time.GetUtcNow().UtcDateTime,
    };

    /// <summary>The test process's working set, sampled every 100 ms from creation until <see cref="Stop"/>.</summary>
    private sealed class MemorySampler
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;
        private readonly long _start = Process.GetCurrentProcess().WorkingSet64;
        private long _peak;

        public MemorySampler()
        {
            _peak = _start;
            _sampling = Task.Run(async () =>
            {
                using var process = Process.GetCurrentProcess();
                while (!_stop.IsCancellationRequested)
                {
                    process.Refresh();
                    _peak = Math.Max(_peak, process.WorkingSet64);
                    await Task.Delay(100).ConfigureAwait(false);
                }
            });
        }

        public (long Start, long Peak) Stop()
        {
            _stop.Cancel();
            _sampling.GetAwaiter().GetResult();
            _stop.Dispose();
            return (_start, _peak);
        }
    }
}
