using System.Runtime.CompilerServices;
using Inspection.Detection;
using Inspection.ModelTools.Line;
using Inspection.Trainer.Native;
using Inspection.Trainer.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.Trainer.Tests.Training;

/// <summary>
/// A few real optimizer steps on a tiny network and input: the whole path of <c>train</c> (rendering, targets,
/// loss, export, the ONNX Runtime vs TorchSharp check, the held-out check) in seconds. It proves the plumbing
/// works, not that the model learns; models/README.md has the measured training runs.
/// </summary>
public sealed class DetectorTrainerTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    public async Task RunAsync_FewSteps_ExportsAModelOnnxRuntimeAgreesWith(int trainCrop)
    {
        LibTorchSharpPatch.Apply(NullLogger.Instance);
        var output = _directory.Folder($"crop-{trainCrop}");
        var settings = new TrainSettings(
            output, Steps: 4, ImageSize: 128, Seed: 3, WidthMultiplier: 0.25, BatchSize: 2, LearningRate: 0.002,
            ValidationFrames: 3, TrainCrop: trainCrop, ModelVersion: "9.9.9");

        var summary = await TrainAsync(settings);

        Assert.True(float.IsFinite(summary.FirstLoss) && float.IsFinite(summary.LastLoss));
        Assert.InRange(summary.OnnxMaxAbsDifference, 0f, 1e-3f);
        Assert.Equal(3, summary.ValidationFrames);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(output, "loss.csv")).Length); // the header and the last step's row
        using var detector = OnnxDetector.Load(
            new DetectorOptions { ModelPath = summary.OnnxPath, ExecutionProviders = ["CPU"], WarmupRuns = 0 }, NullLogger.Instance);
        Assert.Equal(DefectClasses.Names, detector.Model.ClassNames);
        Assert.Equal(128, detector.Model.InputWidth);
        Assert.Equal("9.9.9", detector.Model.Version);
    }

    // Separate from the test so no TorchSharp type is touched before the native bridge is patched.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<TrainingSummary> TrainAsync(TrainSettings settings) =>
        new DetectorTrainer(settings, TimeProvider.System, NullLogger.Instance).RunAsync(TestContext.Current.CancellationToken);
}
