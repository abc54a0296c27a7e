using System.Runtime.CompilerServices;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Quantization;
using Inspection.Trainer.Export;
using Inspection.Trainer.Native;
using Inspection.Trainer.Training;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Inspection.Trainer.Tests.Training;

/// <summary>
/// Quantization-aware fine-tuning: the int8 the network simulates while it trains is the int8 that
/// <c>quantize --ranges</c> writes, and a short run from saved weights produces the ranges file that command reads.
/// </summary>
public sealed class QuantAwareTrainingTests : IDisposable
{
    private const int ImageSize = 96;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SimulatedInt8_MatchesTheQuantizedOnnxModel_MuchCloserThanFloatDoes(bool residual)
    {
        TorchNatives.Prepare(NullLogger.Instance);
        var (simulated, fp32) = CompareWithQuantizedFile(_directory.Folder($"sim-{residual}"), residual);

        // The two differ only where float summation order tips a value across a rounding boundary.
        Assert.True(simulated <= 0.05f * fp32, $"simulated {simulated}, float {fp32}");
        Assert.True(fp32 > 0.01f, $"int8 moved the output by only {fp32}: the comparison cannot tell simulated from float");
    }

    [Fact]
    public async Task RunAsync_QuantAwareFromSavedWeights_WritesRangesThatQuantizeAccepts()
    {
        TorchNatives.Prepare(NullLogger.Instance);
        var start = _directory.Folder("start");
        await TrainAsync(new TrainSettings(start, 2, ImageSize, 5, 0.25, 2, 0.002, 2));
        var tuned = _directory.Folder("tuned");

        var summary = await TrainAsync(new TrainSettings(
            tuned, 2, ImageSize, 5, 0.25, 2, 0.0002, 2, InitWeights: Path.Combine(start, "detector.dat"), QuantAware: true));

        var ranges = ActivationRangeFile.Read(Path.Combine(tuned, DetectorTrainer.RangesFileName));
        Assert.Equal(DetectorNet.StageCount + 1, ranges.Count);
        Assert.InRange(summary.OnnxMaxAbsDifference, 0f, 1e-3f); // the fp32 export is checked with the simulation off
        var int8 = Path.Combine(tuned, "int8.onnx");
        var result = ModelQuantizer.Quantize(
            new QuantizationSettings(summary.OnnxPath, int8, RangesPath: Path.Combine(tuned, DetectorTrainer.RangesFileName)),
            TextWriter.Null,
            TestContext.Current.CancellationToken);
        Assert.Equal(0, result.CalibrationFrames);
        Assert.Contains("quantization-aware", Describe(tuned), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_QuantAwareFromShippedOnnxWithExtraDataset_TrainsAndExports()
    {
        TorchNatives.Prepare(NullLogger.Instance);
        var (extra, _, _) = ReviewSetFolder.Write(_directory.Folder("review"), frames: 3);
        var tuned = _directory.Folder("from-onnx");

        var summary = await TrainAsync(new TrainSettings(
            tuned, 2, ImageSize, 5, 1.0, 2, 0.0002, 2, TrainCrop: 64, Residual: true, QuantAware: true,
            InitOnnx: RepositoryRoot.Combine("models", "edge", "inspection-edge-fp32.onnx"), ExtraDataset: extra, ExtraShare: 0.5));

        Assert.True(float.IsFinite(summary.FirstLoss) && float.IsFinite(summary.LastLoss));
        Assert.True(File.Exists(Path.Combine(tuned, DetectorTrainer.RangesFileName)));
        Assert.InRange(summary.OnnxMaxAbsDifference, 0f, 1e-3f);
        Assert.Contains("4000 + 2 quantization-aware steps", Describe(tuned), StringComparison.Ordinal);
    }

    [Fact]
    public void SimulateInt8_WrongNumberOfScales_Throws()
    {
        TorchNatives.Prepare(NullLogger.Instance);
        Assert.Throws<ArgumentException>(SetThreeScales);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SetThreeScales()
    {
        using var model = new DetectorNet(DefectClasses.Names.Count, 0.25);
        model.SimulateInt8([1f, 1f, 1f]);
    }

    /// <summary>Max |output| difference of the simulated and of the float network against the int8 ONNX model.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (float Simulated, float Float) CompareWithQuantizedFile(string folder, bool residual)
    {
        manual_seed(11);
        using var model = new DetectorNet(DefectClasses.Names.Count, 0.25, [1, 1, 1, 1, 1, 2, 2], residual);
        // Trained-like statistics, so the folded BatchNorm is not the identity.
        using (no_grad())
        {
            foreach (var block in model.Blocks)
            {
                block.bn.running_mean!.uniform_(-0.2, 0.2);
                block.bn.running_var!.uniform_(0.5, 2.0);
                block.bn.weight!.uniform_(0.5, 1.5);
            }
        }

        model.eval();
        Assert.Equal(residual, Enumerable.Range(0, DetectorNet.StageCount).Any(model.IsResidual));
        var fp32 = Path.Combine(folder, "fp32.onnx");
        DetectorOnnxExporter.Build(model, ImageSize, "simulation check", "0.0.1", DateOnly.MinValue).Save(fp32);
        var measured = ModelQuantizer.MeasureRanges(
            new QuantizationSettings(fp32, fp32 + ".unused", CalibrationFrames: 4, Percentile: 99.99), TextWriter.Null, TestContext.Current.CancellationToken);
        // Grids 16 times coarser than calibrated, so that int8 visibly moves this untrained network's output.
        var ranges = measured.ToDictionary(r => r.Key, r => (r.Value.Min * 16, r.Value.Max * 16));
        var rangesPath = Path.Combine(folder, "ranges.json");
        ActivationRangeFile.Write(rangesPath, ranges);
        var int8 = Path.Combine(folder, "int8.onnx");
        ModelQuantizer.Quantize(new QuantizationSettings(fp32, int8, RangesPath: rangesPath), TextWriter.Null, TestContext.Current.CancellationToken);

        using var sampler = new SyntheticSampler(SyntheticSampler.ValidationSeeds(2), 3, ImageSize);
        var pixels = sampler.Next().Pixels;
        var asFloat = Output(model, pixels);
        model.SimulateInt8(DetectorTrainer.Int8Scales(ranges));
        var simulated = Output(model, pixels);
        var quantized = OnnxOutput(int8, pixels);
        return (MaxDifference(simulated, quantized), MaxDifference(asFloat, quantized));
    }

    private static float[] Output(DetectorNet model, float[] pixels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var output = DetectorNet.ToYoloLayout(model.forward(tensor(pixels, [1, 3, ImageSize, ImageSize])), model.ClassCount);
        return output.contiguous().data<float>().ToArray();
    }

    private static float[] OnnxOutput(string path, float[] pixels)
    {
        using var session = new InferenceSession(path);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, ImageSize, ImageSize]);
        using var outputs = session.Run(new RunOptions(), [DetectorOnnxExporter.InputName], [input], ["output0"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    private static string Describe(string folder)
    {
        using var session = new InferenceSession(Path.Combine(folder, "detector.onnx"));
        return session.ModelMetadata.CustomMetadataMap["description"];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<TrainingSummary> TrainAsync(TrainSettings settings) =>
        new DetectorTrainer(settings, TimeProvider.System, NullLogger.Instance).RunAsync(TestContext.Current.CancellationToken);
}
