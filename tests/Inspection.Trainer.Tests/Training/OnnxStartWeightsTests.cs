using System.Runtime.CompilerServices;
using Inspection.ModelTools.Line;
using Inspection.Trainer.Export;
using Inspection.Trainer.Native;
using Inspection.Trainer.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.Trainer.Tests.Training;

public sealed class OnnxStartWeightsTests
{
    private static readonly string ShippedFp32 = RepositoryRoot.Combine("models", "edge", "inspection-edge-fp32.onnx");

    private static readonly string ShippedInt8 = RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx");

    [Fact]
    public void Load_ShippedFp32Edge_NetworkReproducesTheFileOnAFrame()
    {
        TorchNatives.Prepare(NullLogger.Instance);

        var (difference, priorSteps) = Difference(ShippedFp32, residual: true);

        // The file's output: box coordinates in pixels (up to 480) and scores; float sums in another order differ in the
        // last bits, so 1e-3 of a pixel is the tolerance, as for a fresh export (measured: about 1e-4).
        Assert.InRange(difference, 0f, 1e-3f);
        Assert.Equal(4000, priorSteps);
    }

    [Fact]
    public void Load_PlainNetworkFromResidualFile_RefusedNamingTheStage()
    {
        TorchNatives.Prepare(NullLogger.Instance);

        var e = Assert.Throws<StartWeightsException>(() => Difference(ShippedFp32, residual: false));

        Assert.Contains("stage 2 is residual in the file, not residual here (--residual)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OtherWidth_RefusedWithTheShapes()
    {
        TorchNatives.Prepare(NullLogger.Instance);

        var e = Assert.Throws<StartWeightsException>(() => Difference(ShippedFp32, residual: true, width: 0.5));

        Assert.Contains("'block0.weight' is [16, 3, 3, 3] in the file, [8, 3, 3, 3] here", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_QuantizedModel_PointsAtTheFloatTwin()
    {
        TorchNatives.Prepare(NullLogger.Instance);

        var e = Assert.Throws<StartWeightsException>(() => Difference(ShippedInt8, residual: true));

        Assert.Contains("inspection-edge-fp32.onnx", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Defect detector 480px ×1, residual (3500 + 500 quantization-aware steps, seed 1)", 4000)]
    [InlineData("Defect detector 640px ×1, residual (2800 steps, seed 1)", 2800)]
    [InlineData("something else", 0)]
    public void PriorSteps_Description_SumsTheSteps(string description, int expected) =>
        Assert.Equal(expected, OnnxStartWeights.PriorSteps(description));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (float Difference, int PriorSteps) Difference(string path, bool residual, double width = 1.0)
    {
        using var model = new DetectorNet(DefectClasses.Names.Count, width, residual: residual);
        var prior = OnnxStartWeights.Load(model, path);
        using var sampler = new SyntheticSampler([4242], 1, 480);
        var frame = sampler.Load(4242, 360);
        return (ExportVerifier.MaxAbsDifference(model, path, frame.Pixels, 480), prior);
    }
}
