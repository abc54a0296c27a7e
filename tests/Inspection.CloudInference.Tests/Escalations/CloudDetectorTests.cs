using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.V1;

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
}
