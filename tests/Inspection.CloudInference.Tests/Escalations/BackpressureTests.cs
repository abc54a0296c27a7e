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

    [Fact]
    public async Task Escalate_QueuedFrameNearItsDeadline_GivenBackBusyBeforeTheDeadlineAndNothingStored()
    {
        // A queue of one, the model held at the gate: the frame behind the running one waits, and its call has 10 s
        // (the edge's shipped deadline): given back at 6 s, before the answer's own limit at 8 s.
        var detector = new GatedBatchDetector(1);
        await using var cloud = await StartCloudAsync(detector);
        try
        {
            var batcher = cloud.App.Services.GetRequiredService<CloudDetector>();
            var running = Task.Run(() => cloud.EscalateAsync(TestFrames.Request("other", 1)), TestContext.Current.CancellationToken);
            await Eventually.UntilAsync(() => detector.Waiting, "the first frame runs");

            using var call = cloud.Escalations.Escalate(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: TestContext.Current.CancellationToken);
            await call.RequestStream.WriteAsync(TestFrames.Request("cam-9", 1), TestContext.Current.CancellationToken);
            await call.RequestStream.CompleteAsync();
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));

            // Busy with the hint, not the deadline passing unanswered: the device counts it as backpressure, not a
            // failure. (On a starved machine the answer's own limit may speak first; the frame is given back all the same.)
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.True(
                refused.Status.Detail.Contains("did not reach this frame", StringComparison.Ordinal) || refused.Status.Detail.Contains("could not answer this frame", StringComparison.Ordinal),
                refused.Status.Detail);
            Assert.NotNull(refused.Trailers.GetValue(EscalationService.RetryPushbackTrailer));
            Assert.Null(cloud.App.Services.GetRequiredService<EscalationStore>().Find("cam-9", 1));

            // Given back, the frame is never run: the loop skips it once the model is free, and the queue is empty.
            detector.Open();
            Assert.Empty(Assert.Single(await running).Error);
            await Eventually.UntilAsync(() => batcher.Queued == 0, "the queue emptied");
            Assert.Equal(1, detector.Batches.Sum());
            Assert.Null(cloud.App.Services.GetRequiredService<EscalationStore>().Find("cam-9", 1));
        }
        finally
        {
            // A failed assertion must not leave the model held: the cloud could not stop, hiding the failure.
            detector.Open();
        }
    }

    [Fact]
    public async Task Escalate_LaterFrameOfACallWithTooLittleTimeLeft_BusyWhileTheFirstFrameIsAlwaysTaken()
    {
        // A model that takes 5 s a frame, learnt from a first call; then a call of 10 s with two frames: the first is
        // taken (nothing ahead of it) and answered well within the call's 8 s answer limit, the second would be
        // answered after the deadline, so it is refused busy at once.
        var detector = new GatedBatchDetector(1);
        await using var cloud = await StartCloudAsync(detector);
        detector.Delay = TimeSpan.FromSeconds(5);
        detector.Open();
        Assert.Empty(Assert.Single(await cloud.EscalateAsync(TestFrames.Request("other", 1))).Error);

        using var call = cloud.Escalations.Escalate(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: TestContext.Current.CancellationToken);
        await call.RequestStream.WriteAsync(TestFrames.Request("cam-9", 1), TestContext.Current.CancellationToken);
        await call.RequestStream.WriteAsync(TestFrames.Request("cam-9", 2), TestContext.Current.CancellationToken);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
        Assert.Equal((1UL, string.Empty), (call.ResponseStream.Current.Key.Sequence, call.ResponseStream.Current.Error));
        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("after the call's deadline", refused.Status.Detail);
        var store = cloud.App.Services.GetRequiredService<EscalationStore>();
        Assert.NotNull(store.Find("cam-9", 1));
        Assert.Null(store.Find("cam-9", 2));
    }

    [Fact]
    public async Task Escalate_RunningFrameNotAnsweredInTime_BusyBeforeTheDeadlineThenStoredAndAnsweredAsADuplicate()
    {
        // The frame is taken (nothing ahead of it) but the model is held past the call's 6 s less its 2 s margin.
        var detector = new GatedBatchDetector(1);
        await using var cloud = await StartCloudAsync(detector);
        try
        {
            using var call = cloud.Escalations.Escalate(deadline: DateTime.UtcNow.AddSeconds(6), cancellationToken: TestContext.Current.CancellationToken);
            await call.RequestStream.WriteAsync(TestFrames.Request("cam-9", 1), TestContext.Current.CancellationToken);
            await call.RequestStream.CompleteAsync();
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));

            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("could not answer this frame", refused.Status.Detail);
            Assert.NotNull(refused.Trailers.GetValue(EscalationService.RetryPushbackTrailer));

            // Its work went on: once the model is free the frame is stored, and sent again it is answered from the store.
            detector.Open();
            var store = cloud.App.Services.GetRequiredService<EscalationStore>();
            await Eventually.UntilAsync(() => store.Find("cam-9", 1) is not null, "the frame stored after its call ended");
            var again = Assert.Single(await cloud.EscalateAsync(TestFrames.Request("cam-9", 1)));
            Assert.True(again.Duplicate);
            Assert.Single(store.FindAll(), e => e.DeviceId == "cam-9");
        }
        finally
        {
            detector.Open();
        }
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
