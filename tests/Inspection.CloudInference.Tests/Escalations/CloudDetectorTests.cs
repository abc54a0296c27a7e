using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.V1;
using Inspection.Detection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Escalations;

public sealed class CloudDetectorTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task StartAsync_ModelFileMissing_FailsWithClearMessage()
    {
        var missing = Path.Combine(_directory.Path, "nowhere", "cloud.onnx");
        var args = TestCloud.Arguments(_directory.Path, 0, 0, LoopbackPort.Candidate(), missing);
        await using var app = CloudInferenceApp.Build([.. args]);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(missing, error.Message);
        Assert.Contains("Detector:ModelPath", error.Message);
    }

    [Fact]
    public async Task Escalate_ProductionCloudModel_AnswersWithItsMetadata()
    {
        // The model is committed: its absence is a failure, not a reason to skip.
        Assert.True(File.Exists(RepoPaths.CloudModel), $"{RepoPaths.CloudModel} is missing; rebuild it with 'Inspection.ModelTools build --out models'.");

        // The default wiring: OnnxDetector on the real cloud model, CPU here.
        await using var cloud = await TestCloud.StartAsync(_directory.Path, realCloudModel: true);

        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Request("cam-1", 1, TestFrames.Jpeg(128, 640, 480))));

        Assert.Empty(reply.Error);
        Assert.NotEqual(Verdict.Unspecified, reply.Verdict);
        Assert.False(string.IsNullOrEmpty(reply.CloudModel.Name));
        Assert.All(reply.CloudDetections, d => Assert.InRange(d.Confidence, 0f, 1f));
    }

    [Fact]
    public async Task StartAsync_EveryDetectorSetting_ReachesTheModelWithTheModelPathResolved()
    {
        var configured = new DetectorOptions
        {
            ModelPath = Path.GetFileName(TinyOnnxModel.Write(_directory.Path)),
            ExecutionProviders = ["CUDA", "CPU"],
            GpuDeviceId = 3,
            TensorRtCachePath = "/var/cache/trt",
            TensorRtFp16 = false,
            ScoreThreshold = 0.11f,
            IouThreshold = 0.33f,
            ClassAgnosticNms = true,
            MaxDetections = 7,
            IntraOpThreads = 5,
            WarmupRuns = 9,
        };
        DetectorOptions? received = null;
        using var cloud = new CloudDetector(
            (options, _) =>
            {
                received = options;
                return new HeldDetector();
            },
            Options.Create(configured),
            Options.Create(new BatchingOptions { MaxBatchSize = 6 }),
            new HostingEnvironment { ContentRootPath = _directory.Path },
            TimeProvider.System,
            NullLogger<CloudDetector>.Instance);

        await cloud.StartAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(received);
        Assert.Equal(Path.Combine(_directory.Path, configured.ModelPath), received.ModelPath);
        foreach (var property in typeof(DetectorOptions).GetProperties().Where(p => p.Name is not (nameof(DetectorOptions.ModelPath) or nameof(DetectorOptions.MaxBatchSize))))
        {
            Assert.Equal(property.GetValue(configured), property.GetValue(received));
        }

        // The batch the model is built for is the batcher's, from Cloud:Batching:MaxBatchSize.
        Assert.Equal(6, received.MaxBatchSize);

        Assert.True(received.ClassAgnosticNms);
        await cloud.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Dispose_InferenceRunning_ReturnsAtOnceAndTheModelIsFreedOnlyAfterTheInference()
    {
        var detector = new HeldDetector();
        var cloud = new CloudDetector(
            (_, _) => detector,
            Options.Create(new DetectorOptions { ModelPath = TinyOnnxModel.Write(_directory.Path) }),
            Options.Create(new BatchingOptions()),
            new HostingEnvironment { ContentRootPath = _directory.Path },
            TimeProvider.System,
            NullLogger<CloudDetector>.Instance);
        await cloud.StartAsync(TestContext.Current.CancellationToken);
        using var frame = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(128));
        var running = cloud.DetectAsync(frame, TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => detector.Running, "the inference runs");

        // Returns while the inference is held: a Dispose that waited for it (up to 10 s) freed the model under it.
        cloud.Dispose();

        Assert.False(detector.Disposed);
        detector.Release();
        Assert.Single(await running);
        await Eventually.UntilAsync(() => detector.Disposed, "the model is freed once its inference ended");
        Assert.False(detector.FreedWhileRunning);
    }
}
