using Grpc.Core;
using Grpc.Net.Client;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>
/// A cloud whose inference queue is full refuses frames with RESOURCE_EXHAUSTED and a retry hint, storing nothing; the
/// edge's real forwarder keeps them, waits as asked and delivers every one later, once.
/// </summary>
public sealed class BackpressureTests : IDisposable
{
    private const int RetryAfterMilliseconds = 300;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Escalate_InferenceQueueFull_ResourceExhaustedWithPushbackTrailerAndNothingStored()
    {
        var detector = new GatedBatchDetector(1);
        await using var cloud = await StartCloudAsync(detector);
        var (running, queued) = await FillQueueAsync(cloud, detector);

        var refused = await Assert.ThrowsAsync<RpcException>(() => cloud.EscalateAsync(TestFrames.Request("cam-9", 3)));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(RetryAfterMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), refused.Trailers.GetValue(EscalationService.RetryPushbackTrailer));
        Assert.Contains("Cloud:Batching:QueueCapacity", refused.Status.Detail);
        var store = cloud.App.Services.GetRequiredService<EscalationStore>();
        Assert.Null(store.Find("cam-9", 3));
        Assert.DoesNotContain(store.FindAll(), e => e.DeviceId == "cam-9");

        detector.Open();
        Assert.Empty(Assert.Single(await running).Error);
        Assert.Empty(Assert.Single(await queued).Error);
    }

    [Fact]
    public async Task ForwardDueAsync_CloudBusy_KeepsEveryFrameWaitsTheHintThenDeliversEachOnce()
    {
        var detector = new GatedBatchDetector(1);
        await using var cloud = await StartCloudAsync(detector);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var database = new EdgeDatabase(Path.Combine(_directory.Path, "edge.db"));
        var outbox = new OutboxStore(database);
        var sequences = Enumerable.Range(1, 5).Select(i => (long)i).ToList();
        foreach (var sequence in sequences)
        {
            outbox.Add(Entry(sequence, time));
        }

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cloud.GrpcPort}", OutboxForwarder.ChannelOptions(new DegradationOptions()));
        var forwarder = EdgeForwarders.Create(channel, database, outbox, "cam-1", "line-1", time);
        var (running, queued) = await FillQueueAsync(cloud, detector);

        var throttled = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.Throttled, throttled.Status);
        // The hint, plus up to half of it again so that devices told together do not come back together.
        var wait = throttled.RetryAfter!.Value;
        Assert.InRange(wait, TimeSpan.FromMilliseconds(RetryAfterMilliseconds), TimeSpan.FromMilliseconds(RetryAfterMilliseconds * 1.5));
        Assert.Equal((5, 0, 5), (throttled.Sent, throttled.Stored, throttled.Unanswered));
        foreach (var sequence in sequences)
        {
            var entry = outbox.Find(sequence)!;
            Assert.Equal(0, entry.Attempts);
            Assert.Equal((time.GetUtcNow() + wait).UtcDateTime, entry.NextAttemptAt, TimeSpan.FromMilliseconds(1));
            Assert.Contains("busy", entry.LastError);
        }

        detector.Open();
        await Task.WhenAll(running, queued);

        // Before the hint has passed nothing is sent, even though the cloud could take it now.
        Assert.Equal(ForwardingStatus.Idle, (await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken)).Status);
        time.Advance(wait);

        // The queue of one may fill again (with the frame ahead still running): the cloud answers those it took and
        // sends the rest back with the hint, until all are in.
        var passes = new List<ForwardingResult>();
        while (outbox.Count() > 0 && passes.Count < 10)
        {
            var pass = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);
            passes.Add(pass);
            time.Advance(pass.RetryAfter ?? TimeSpan.Zero);
        }

        Assert.Equal(0, outbox.Count());
        Assert.All(passes, p => Assert.Contains(p.Status, new[] { ForwardingStatus.Sent, ForwardingStatus.Throttled }));
        Assert.Equal(5, passes.Sum(p => p.Stored));
        var stored = cloud.App.Services.GetRequiredService<EscalationStore>().FindAll().Where(e => e.DeviceId == "cam-1").Select(e => e.Sequence).Order();
        Assert.Equal(sequences, stored);
        Assert.All(detector.Batches, size => Assert.Equal(1, size));
    }

    // One frame of another device runs (held at the gate), one waits in the queue of capacity 1: the next is refused.
    private static async Task<(Task<List<EscalationReply>> Running, Task<List<EscalationReply>> Queued)> FillQueueAsync(TestCloud cloud, GatedBatchDetector detector)
    {
        var batcher = cloud.App.Services.GetRequiredService<CloudDetector>();
        var running = Task.Run(() => cloud.EscalateAsync(TestFrames.Request("other", 1)), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => detector.Waiting, "the first frame runs");
        var queued = Task.Run(() => cloud.EscalateAsync(TestFrames.Request("other", 2)), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => batcher.Queued == 1, "the second frame waits in the queue");
        return (running, queued);
    }

    private Task<TestCloud> StartCloudAsync(GatedBatchDetector detector) => TestCloud.StartAsync(
        _directory.Path,
        [
            "--Cloud:Batching:MaxBatchSize=1",
            "--Cloud:Batching:MaxWaitMilliseconds=0",
            "--Cloud:Batching:QueueCapacity=1",
            $"--Cloud:Batching:RetryAfterMilliseconds={RetryAfterMilliseconds}",
        ],
        builder => builder.Services.AddSingleton<DetectorFactory>((_, _) => detector));

    private static OutboxEntry Entry(long sequence, TimeProvider time) => new()
    {
        Id = sequence,
        LineId = "line-1",
        CapturedAt = time.GetUtcNow().UtcDateTime,
        Jpeg = TestFrames.Jpeg(128),
        Width = 64,
        Height = 48,
        ModelName = "edge",
        ModelVersion = "1.0.0",
        Detections = [new DetectionRecord { ClassName = "scratch", Confidence = 0.5f, X2 = 1, Y2 = 1 }],
        Reason = "uncertain: scratch 0.50",
        NextAttemptAt = time.GetUtcNow().UtcDateTime,
    };
}
