using Inspection.Detection;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Onnx.Proto;
using Inspection.ModelTools.Quantization;
using Inspection.ModelTools.Tests.Onnx;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Inspection.ModelTools.Tests.Quantization;

/// <summary>The committed fp32 edge model through the quantizer, checked with the ONNX checker and real ONNX Runtime.</summary>
public sealed class ModelQuantizerTests(QuantizedModelFixture fixture) : IClassFixture<QuantizedModelFixture>
{
    // Agreement of an int8 model with its fp32 twin on 60 held-out frames: at least 90 % of the confident fp32
    // detections (score > 0.5) are found again (same class, IoU ≥ 0.5), each with a score within 0.30 and on
    // average within 0.08. Measured: the shipped model matched 47 of 47 (worst 0.234, mean 0.034); the uint8 form
    // calibrated on 32 frames matched 47 of 47 (worst 0.221, mean 0.032). Post-training quantization of this small
    // detector moves single scores that much; the accuracy cost it has is measured by evaluate-map (models/README.md).
    private const float ConfidentScore = 0.5f;
    private const float MatchIou = 0.5f;
    private const float MatchedShare = 0.90f;
    private const float ScoreTolerance = 0.30f;
    private const float MeanScoreTolerance = 0.08f;

    [Fact]
    public void Quantize_CommittedModel_PassesOnnxChecker()
    {
        fixture.RequireModel();
        OnnxChecker.RequireAvailable();

        var (exitCode, output) = OnnxChecker.Check(fixture.Int8Path);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void Quantize_Int8Activations_TensorRtForm()
    {
        // TensorRT's ONNX parser accepts only int8 Q/DQ with zero points of 0, placed at the inputs of the Convs.
        fixture.RequireModel();

        AssertQdq(fixture.Int8Path, fixture.Result!, TensorProto.Types.DataType.Int8, outputsQuantized: false);
    }

    [Fact]
    public void Quantize_UInt8Activations_OnnxRuntimeCpuForm()
    {
        fixture.RequireModel();

        AssertQdq(fixture.UInt8Path, fixture.UInt8Result!, TensorProto.Types.DataType.Uint8, outputsQuantized: true);
    }

    [Fact]
    public void CommittedEdgeModel_IsTheTensorRtForm()
    {
        var path = RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx");
        var model = Load(path);
        var quantized = model.Graph.Node.Count(n => n.OpType == "Conv") - 1; // all but the fixed box-decoding Conv

        AssertQdq(path, new QuantizationResult(quantized, 1, 0, 0, 0, 0, 0, 0), TensorProto.Types.DataType.Int8, outputsQuantized: false);
        Assert.StartsWith("int8 QDQ, per-channel int8 weights, int8 (symmetric) activations", Assert.Single(model.MetadataProps, p => p.Key == "quantization").Value, StringComparison.Ordinal);
    }

    private static void AssertQdq(string path, QuantizationResult result, TensorProto.Types.DataType activationType, bool outputsQuantized)
    {
        var graph = Load(path).Graph;
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var initializers = graph.Initializer.ToDictionary(t => t.Name);

        var quantized = graph.Node.Where(n => n.OpType == "Conv" && producers.ContainsKey(n.Input[1])).ToList();

        Assert.Equal(result.QuantizedConvs, quantized.Count);
        Assert.True(quantized.Count >= 2, $"Only {quantized.Count} Conv(s) quantized.");
        foreach (var conv in quantized)
        {
            var weightDq = producers[conv.Input[1]];
            Assert.Equal("DequantizeLinear", weightDq.OpType);
            var weight = initializers[weightDq.Input[0]];
            Assert.Equal((int)TensorProto.Types.DataType.Int8, weight.DataType);
            Assert.Equal(weight.Dims[0], Assert.Single(initializers[weightDq.Input[1]].Dims));
            Assert.Equal(0, Assert.Single(weightDq.Attribute, a => a.Name == "axis").I);
            Assert.All(initializers[weightDq.Input[2]].RawData, b => Assert.Equal(0, b));

            var biasDq = producers[conv.Input[2]];
            Assert.Equal((int)TensorProto.Types.DataType.Int32, initializers[biasDq.Input[0]].DataType);

            var inputDq = producers[conv.Input[0]];
            Assert.Equal("DequantizeLinear", inputDq.OpType);
            Assert.Equal("QuantizeLinear", producers[inputDq.Input[0]].OpType);
            var zeroPoint = initializers[inputDq.Input[2]];
            Assert.Equal((int)activationType, zeroPoint.DataType);
            if (activationType == TensorProto.Types.DataType.Int8)
            {
                Assert.All(zeroPoint.RawData, b => Assert.Equal(0, b));
            }

            var consumers = graph.Node.Where(n => n.Input.Contains(conv.Output[0])).ToList();
            Assert.Equal(outputsQuantized, consumers.Any(n => n.OpType == "QuantizeLinear"));
        }
    }

    [Fact]
    public void Quantize_CommittedModel_KeepsInterfaceAndMetadataAndNotesTheQuantization()
    {
        fixture.RequireModel();
        var fp32 = Load(fixture.Fp32Path);
        var int8 = Load(fixture.Int8Path);

        Assert.Equal(fp32.Graph.Input, int8.Graph.Input);
        Assert.Equal(fp32.Graph.Output, int8.Graph.Output);
        Assert.Equal(fp32.DocString, int8.DocString);
        Assert.Equal(17, Assert.Single(int8.OpsetImport).Version);
        Assert.Equal(8, int8.IrVersion);
        foreach (var entry in fp32.MetadataProps.Where(p => p.Key != "description"))
        {
            Assert.Contains(entry, int8.MetadataProps);
        }

        var description = fp32.MetadataProps.Single(p => p.Key == "description").Value;
        Assert.Equal(description + " int8", int8.MetadataProps.Single(p => p.Key == "description").Value);

        var note = Assert.Single(int8.MetadataProps, p => p.Key == "quantization").Value;
        Assert.Equal(
            $"int8 QDQ, per-channel int8 weights, int8 (symmetric) activations, calibrated on {QuantizedModelFixture.CalibrationFrames} frames (p{QuantizedModelFixture.ShippedPercentile})",
            note);
    }

    [Fact]
    public void Quantize_UInt8Activations_OnnxRuntimeFusesQLinearConv()
    {
        fixture.RequireModel();
        var optimized = fixture.File("optimized.onnx");
        using (var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            OptimizedModelFilePath = optimized,
        })
        using (new InferenceSession(fixture.UInt8Path, options))
        {
        }

        var nodes = Load(optimized).Graph.Node;
        var fused = nodes.Count(n => n.OpType == "QLinearConv");

        Assert.Equal(fixture.UInt8Result!.QuantizedConvs, fused);
        Assert.DoesNotContain(nodes, n => n.OpType == "Conv" && n.Input.Any(i => i.EndsWith("_dequantized", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("committed")]
    [InlineData("uint8")]
    public void Quantize_HeldOutFrames_DetectionsAgreeWithFp32(string form)
    {
        // "committed": the shipped models/edge/inspection-edge.onnx against its committed fp32 twin;
        // "uint8": the ONNX Runtime CPU form quantized here from the same twin.
        fixture.RequireModel();
        using var fp32 = Detector(fixture.Fp32Path);
        using var int8 = Detector(form == "committed" ? RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx") : fixture.UInt8Path);
        var confident = 0;
        var matched = 0;
        var worst = 0f;
        var total = 0f;

        // Held-out lines (seed × 1000 + 500…): neither trained nor calibrated on.
        for (var line = 0; line < 3; line++)
        {
            using var synthetic = new SyntheticLine(1500 + line);
            for (var frame = 0; frame < 20; frame++)
            {
                using var rendered = synthetic.Render(400 + (frame * 37));
                var expected = fp32.Detect(rendered.Frame).Where(d => d.Confidence > ConfidentScore).ToList();
                var actual = int8.Detect(rendered.Frame);
                foreach (var detection in expected)
                {
                    confident++;
                    var match = actual.Where(d => d.ClassId == detection.ClassId).MaxBy(d => Iou(d.Box, detection.Box));
                    if (match is not null && Iou(match.Box, detection.Box) >= MatchIou)
                    {
                        matched++;
                        worst = Math.Max(worst, Math.Abs(match.Confidence - detection.Confidence));
                        total += Math.Abs(match.Confidence - detection.Confidence);
                    }
                }
            }
        }

        Assert.True(confident >= 3, $"Only {confident} confident fp32 detection(s) on the held-out frames; the comparison would prove nothing.");
        Assert.True(matched >= MatchedShare * confident, $"The int8 model found {matched} of {confident} confident fp32 detections.");
        Assert.True(worst <= ScoreTolerance, $"A matched detection's score moved by {worst:0.000} (tolerance {ScoreTolerance}).");
        Assert.True(total / matched <= MeanScoreTolerance, $"Matched detections' scores moved by {total / matched:0.000} on average (tolerance {MeanScoreTolerance}).");
    }

    [Fact]
    public void Quantize_SameArgumentsTwice_SameBytes()
    {
        fixture.RequireModel();
        var first = fixture.File("first.onnx");
        var second = fixture.File("second.onnx");

        ModelQuantizer.Quantize(fixture.Settings(first) with { CalibrationFrames = 6 }, TextWriter.Null, TestContext.Current.CancellationToken);
        ModelQuantizer.Quantize(fixture.Settings(second) with { CalibrationFrames = 6 }, TextWriter.Null, TestContext.Current.CancellationToken);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Quantize_CommittedModel_ReportsSizesAndScoreAgreement()
    {
        fixture.RequireModel();
        var result = fixture.Result!;

        Assert.Equal(QuantizedModelFixture.CalibrationFrames, result.CalibrationFrames);
        Assert.Equal(new FileInfo(fixture.Int8Path).Length, result.Int8Bytes);
        Assert.True(result.Int8Bytes < result.Fp32Bytes / 2, $"int8 file {result.Int8Bytes} B is not under half the fp32 {result.Fp32Bytes} B.");
        Assert.Equal(ModelQuantizer.HeldOutFrames, result.HeldOutFrames);
        Assert.InRange(result.MeanScoreDifference, 0f, 0.01f);
    }

    private static ModelProto Load(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    private static OnnxDetector Detector(string path) =>
        OnnxDetector.Load(new DetectorOptions { ModelPath = path, ExecutionProviders = ["CPU"], WarmupRuns = 0 }, NullLogger.Instance);

    private static float Iou(BoundingBox a, BoundingBox b)
    {
        var intersection = new BoundingBox(Math.Max(a.X1, b.X1), Math.Max(a.Y1, b.Y1), Math.Min(a.X2, b.X2), Math.Min(a.Y2, b.Y2)).Area;
        var union = a.Area + b.Area - intersection;
        return union > 0 ? intersection / union : 0;
    }
}
