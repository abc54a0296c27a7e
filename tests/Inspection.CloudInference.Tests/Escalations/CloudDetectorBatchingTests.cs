using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Detection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Escalations;

public sealed class CloudDetectorBatchingTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<Mat> _frames = [];

    public void Dispose()
    {
        _frames.ForEach(f => f.Dispose());
        _directory.Dispose();
    }

    [Fact]
    public async Task DetectAsync_FramesQueuedWhileABatchRuns_RunTogetherInBatchesOfAtMostMaxBatchSize()
    {
        var detector = new GatedBatchDetector(4);
        using var cloud = await StartAsync(detector, new BatchingOptions { MaxBatchSize = 4, MaxWaitMilliseconds = 0 }, TimeProvider.System);
        var first = cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => detector.Waiting, "the first frame runs");

        var queued = Enumerable.Range(0, 6).Select(_ => cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken)).ToList();
        detector.Open();
        var results = await Task.WhenAll([first, .. queued]);

        Assert.Equal([1, 4, 2], detector.Batches);
        Assert.All(results, r => Assert.Single(r));
        Assert.Equal((3L, 7L), (cloud.Batches, cloud.BatchedFrames));
    }

    [Fact]
    public async Task DetectAsync_LoneFrame_WaitsMaxWaitForOthersAndRunsWithThem()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var detector = new GatedBatchDetector(4);
        detector.Open();
        using var cloud = await StartAsync(detector, new BatchingOptions { MaxBatchSize = 4, MaxWaitMilliseconds = 5 }, time);
        var first = cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => cloud.Queued == 0, "the inference loop takes the first frame");

        // The loop holds the first frame until 5 ms have passed on its clock; these join it.
        var later = Enumerable.Range(0, 2).Select(_ => cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken)).ToList();
        await Eventually.UntilAsync(() => cloud.Queued == 0, "the loop takes the later frames into the waiting batch");
        time.Advance(TimeSpan.FromMilliseconds(5));
        await Task.WhenAll([first, .. later]);

        Assert.Equal([3], detector.Batches);
    }

    [Fact]
    public async Task DetectAsync_FullBatch_RunsWithoutWaitingForMaxWait()
    {
        // The clock never moves: only a batch that is full runs.
        var detector = new GatedBatchDetector(2);
        detector.Open();
        using var cloud = await StartAsync(
            detector, new BatchingOptions { MaxBatchSize = 2, MaxWaitMilliseconds = 1000 }, new FakeTimeProvider(DateTimeOffset.UtcNow));

        await Task.WhenAll(cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken), cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken));

        Assert.Equal([2], detector.Batches);
    }

    [Fact]
    public async Task DetectAsync_QueueFull_RefusedAtOnceWithTheRetryHintAndTheQueuedFramesStillRun()
    {
        var detector = new GatedBatchDetector(1);
        using var cloud = await StartAsync(
            detector, new BatchingOptions { MaxBatchSize = 1, MaxWaitMilliseconds = 0, QueueCapacity = 2, RetryAfterMilliseconds = 250 }, TimeProvider.System);
        var running = cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => detector.Waiting, "the first frame runs");
        var queued = new[] { cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken), cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken) };

        var busy = await Assert.ThrowsAsync<CloudBusyException>(() => cloud.DetectAsync(Frame(), TestContext.Current.CancellationToken));

        Assert.Equal(TimeSpan.FromMilliseconds(250), busy.RetryAfter);
        Assert.Equal(2, busy.QueueCapacity);
        Assert.Contains("Cloud:Batching:QueueCapacity", busy.Message);
        detector.Open();
        await Task.WhenAll([running, .. queued]);
        Assert.Equal([1, 1, 1], detector.Batches);
    }

    private Mat Frame()
    {
        var frame = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(128));
        _frames.Add(frame);
        return frame;
    }

    private async Task<CloudDetector> StartAsync(IDetector detector, BatchingOptions batching, TimeProvider time)
    {
        var cloud = new CloudDetector(
            (_, _) => detector,
            Options.Create(new DetectorOptions { ModelPath = TinyOnnxModel.Write(_directory.Path) }),
            Options.Create(batching),
            new HostingEnvironment { ContentRootPath = _directory.Path },
            time,
            NullLogger<CloudDetector>.Instance);
        await cloud.StartAsync(TestContext.Current.CancellationToken);
        return cloud;
    }
}
