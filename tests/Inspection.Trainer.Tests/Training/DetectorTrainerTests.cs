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
    [InlineData(0, false)]
    [InlineData(64, false)]
    [InlineData(64, true)]
    [InlineData(64, true, true)]
    public async Task RunAsync_FewSteps_ExportsAModelOnnxRuntimeAgreesWith(int trainCrop, bool dilated, bool residual = false)
    {
        TorchNatives.Prepare(NullLogger.Instance);
        var output = _directory.Folder($"crop-{trainCrop}-{dilated}-{residual}");
        var settings = new TrainSettings(
            output, Steps: 4, ImageSize: 128, Seed: 3, WidthMultiplier: 0.25, BatchSize: 2, LearningRate: 0.002,
            ValidationFrames: 3, TrainCrop: trainCrop, ModelVersion: "9.9.9", Dilations: dilated ? [1, 1, 1, 1, 1, 2, 4] : null,
            Residual: residual);

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
        Assert.Equal(dilated, detector.Model.Name.Contains("dilations 1,1,1,1,1,2,4", StringComparison.Ordinal));
        Assert.Equal(residual, detector.Model.Name.Contains(", residual", StringComparison.Ordinal));
    }

    [Fact]
    public void Residual_AddsInputToOutputExactlyWhereTheStageKeepsSizeAndChannels()
    {
        TorchNatives.Prepare(NullLogger.Instance);
        var (plain, residual) = ResidualStages();

        Assert.Equal([false, false, false, false, false, false, false], plain);
        Assert.Equal([false, false, true, false, true, false, true], residual); // stride-1 stages 2, 4, 6; stage 5 widens
    }

    [Fact]
    public void Residual_SameWeights_ChangeTheOutput()
    {
        TorchNatives.Prepare(NullLogger.Instance);
        Assert.True(OutputDifference() > 1e-3f);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (bool[] Plain, bool[] Residual) ResidualStages()
    {
        using var plain = new DetectorNet(DefectClasses.Names.Count, 0.25);
        using var residual = new DetectorNet(DefectClasses.Names.Count, 1.5, residual: true);
        return ([.. Enumerable.Range(0, DetectorNet.StageCount).Select(plain.IsResidual)],
            [.. Enumerable.Range(0, DetectorNet.StageCount).Select(residual.IsResidual)]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float OutputDifference()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        TorchSharp.torch.manual_seed(5);
        using var plain = new DetectorNet(DefectClasses.Names.Count, 0.25);
        using var residual = new DetectorNet(DefectClasses.Names.Count, 0.25, residual: true);
        residual.load_state_dict(plain.state_dict());
        plain.eval();
        residual.eval();
        var input = TorchSharp.torch.rand(1, 3, 64, 64);
        return (plain.forward(input) - residual.forward(input)).abs().max().item<float>();
    }

    [Theory]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1 }, 71)]
    [InlineData(new[] { 1, 1, 1, 1, 1, 2, 4 }, 135)]
    public void ReceptiveField_CountsStridesAndDilations(int[] dilations, int expected)
    {
        TorchNatives.Prepare(NullLogger.Instance);
        Assert.Equal(expected, ReceptiveField(dilations));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReceptiveField(int[] dilations)
    {
        using var model = new DetectorNet(DefectClasses.Names.Count, 0.25, dilations);
        return model.ReceptiveField;
    }

    // Separate from the test so no TorchSharp type is touched before the native bridge is patched.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<TrainingSummary> TrainAsync(TrainSettings settings) =>
        new DetectorTrainer(settings, TimeProvider.System, NullLogger.Instance).RunAsync(TestContext.Current.CancellationToken);
}
