using System.CommandLine;
using Inspection.ModelTools.Onnx;
using Inspection.ModelTools.Onnx.Proto;
using OpenCvSharp;

namespace Inspection.ModelTools.Tests.Quantization;

/// <summary>The <c>quantize</c> command on bad input: exit code 2, one line naming the problem, nothing written.</summary>
public sealed class QuantizeCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Invoke_MissingModel_ExitCode2NamingTheFile()
    {
        var model = _directory.File("missing.onnx");

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"));

        Assert.Equal(2, exitCode);
        Assert.Equal($"No model at '{model}'.", ErrorLine());
        Assert.False(File.Exists(_directory.File("out.onnx")));
    }

    [Fact]
    public async Task Invoke_NotOnnx_ExitCode2()
    {
        var model = _directory.File("notes.onnx");
        await File.WriteAllTextAsync(model, "this is a text file, not a model\n", TestContext.Current.CancellationToken);

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"'{model}' is not an ONNX model", ErrorLine(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_ModelWithoutConv_ExitCode2()
    {
        var model = _directory.File("relu.onnx");
        new OnnxGraphBuilder("relu").AddInput("images", 1, 3, 32, 32).AddOutput("y", 1, 3, 32, 32).AddNode("Relu", ["images"], ["y"]).Save(model);

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"));

        Assert.Equal(2, exitCode);
        Assert.Equal("'relu.onnx' has no Conv node; the quantizer only quantizes convolutional detectors.", ErrorLine());
    }

    [Fact]
    public async Task Invoke_ConvWithComputedWeights_ExitCode2()
    {
        var model = _directory.File("computed.onnx");
        new OnnxGraphBuilder("computed")
            .AddInput("images", 1, 3, 32, 32)
            .AddInitializer("w", new float[4 * 3 * 3 * 3], 4, 3, 3, 3)
            .AddOutput("y", 1, 4, 30, 30)
            .AddNode("Identity", ["w"], ["w.copy"])
            .AddNode("Conv", ["images", "w.copy"], ["y"])
            .Save(model);

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"));

        Assert.Equal(2, exitCode);
        Assert.Equal("'computed.onnx' has no Conv with constant float weights outside the box decoding; nothing to quantize.", ErrorLine());
    }

    [Fact]
    public async Task Invoke_AlreadyQuantizedModel_ExitCode2()
    {
        var model = _directory.File("qdq.onnx");
        new OnnxGraphBuilder("qdq")
            .AddInput("images", 1, 3, 32, 32)
            .AddInitializer("scale", [0.01f])
            .AddOutput("q", TensorProto.Types.DataType.Uint8, 1, 3, 32, 32)
            .AddNode("QuantizeLinear", ["images", "scale"], ["q"])
            .Save(model);

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith("'qdq.onnx' is already quantized (it contains QuantizeLinear node", ErrorLine(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_CalibrationFolderWithoutImages_ExitCode2()
    {
        var model = TinyConvModel();
        var folder = _directory.Folder("calibration");
        await File.WriteAllTextAsync(Path.Combine(folder, "broken.jpg"), "not a jpeg", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "readme.txt"), "not an image", TestContext.Current.CancellationToken);

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"), "--calib-images", folder);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Calibration folder '{folder}' has no readable .jpg or .png image (1 candidate file(s)).", _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("out.onnx")));
    }

    [Fact]
    public async Task Invoke_UnreadableImageAmongGoodOnes_SkippedWithWarning()
    {
        var model = TinyConvModel();
        var folder = _directory.Folder("calibration");
        await File.WriteAllTextAsync(Path.Combine(folder, "a-broken.png"), "not a png", TestContext.Current.CancellationToken);
        using (var image = new Mat(48, 64, MatType.CV_8UC3, new Scalar(30, 120, 200)))
        {
            Cv2.ImWrite(Path.Combine(folder, "b-good.png"), image);
        }

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"), "--calib-images", folder);

        Assert.True(exitCode == 0, _error.ToString());
        Assert.Contains($"warning: skipped '{Path.Combine(folder, "a-broken.png")}': not a readable image.", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains("calibration  1 images of", _output.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(_directory.File("out.onnx")));
    }

    [Fact]
    public async Task Invoke_TinyConvModel_WritesQuantizedModelAndSummary()
    {
        var model = TinyConvModel();

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"), "--calib-frames", "2");

        Assert.True(exitCode == 0, _error.ToString());
        var summary = _output.ToString();
        Assert.Contains("convs        1 quantized", summary, StringComparison.Ordinal);
        Assert.Contains("calibration  2 frames of line seeds 1000–1063, p100", summary, StringComparison.Ordinal);
        Assert.Contains("B fp32 → ", summary, StringComparison.Ordinal);
        Assert.Contains("held-out frames: max", summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--calib-frames", "0", "--calib-frames must be at least 1, got 0.")]
    [InlineData("--percentile", "0", "--percentile must be above 0 and at most 100, got 0.")]
    [InlineData("--percentile", "100.5", "--percentile must be above 0 and at most 100, got 100.5.")]
    public async Task Invoke_BadCalibrationSetting_ExitCode2(string option, string value, string message)
    {
        var exitCode = await InvokeAsync("--model", TinyConvModel(), "--out", _directory.File("out.onnx"), option, value);

        Assert.Equal(2, exitCode);
        Assert.Equal(message, ErrorLine());
    }

    [Fact]
    public async Task Invoke_KeepFloatByOutputName_LeavesThatConvInFloat()
    {
        var model = TwoConvModel();

        var exitCode = await InvokeAsync("--model", model, "--out", _directory.File("out.onnx"), "--calib-frames", "2", "--keep-float", "y");

        Assert.True(exitCode == 0, _error.ToString());
        Assert.Contains("convs        1 quantized (int8 per-channel weights, int8 (symmetric) activations), 1 left in float", _output.ToString(), StringComparison.Ordinal);
        var written = ModelProto.Parser.ParseFrom(await File.ReadAllBytesAsync(_directory.File("out.onnx"), TestContext.Current.CancellationToken));
        var last = written.Graph.Node.Single(n => n.OpType == "Conv" && n.Output[0] == "y");
        Assert.Equal("w2", last.Input[1]); // still the float initializer, not a DequantizeLinear output
    }

    [Fact]
    public async Task Invoke_KeepFloatUnknownConv_ExitCode2NamingIt()
    {
        var exitCode = await InvokeAsync("--model", TwoConvModel(), "--out", _directory.File("out.onnx"), "--keep-float", "nosuch");

        Assert.Equal(2, exitCode);
        Assert.Equal("'two.onnx' has no Conv named 'nosuch' (--keep-float takes Conv node or output names).", ErrorLine());
        Assert.False(File.Exists(_directory.File("out.onnx")));
    }

    [Fact]
    public async Task Invoke_RangesFile_UsesItsRangesAndMeasuresNothing()
    {
        var ranges = _directory.File("ranges.json");
        await File.WriteAllTextAsync(
            ranges, """{"ranges": {"images": [0, 1], "hidden": [-0.5, 2.5]}}""", TestContext.Current.CancellationToken);

        var exitCode = await InvokeAsync("--model", TwoConvModel(), "--out", _directory.File("out.onnx"), "--ranges", ranges);

        Assert.True(exitCode == 0, _error.ToString());
        Assert.Contains("calibration  ranges from " + ranges + " (quantization-aware training), none measured", _output.ToString(), StringComparison.Ordinal);
        var written = ModelProto.Parser.ParseFrom(await File.ReadAllBytesAsync(_directory.File("out.onnx"), TestContext.Current.CancellationToken));
        var scale = written.Graph.Initializer.Single(i => i.Name == "hidden_scale");
        Assert.Equal(2.5f / 127, System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(scale.RawData.Span), 6);
    }

    [Theory]
    [InlineData("""{"ranges": {"images": [0, 1]}}""", "has no range for 'hidden'; it was written for another model.")]
    [InlineData("""{"ranges": {"images": [0, 1], "hidden": [3, 1]}}""", "the range of 'hidden' is not [min, max] with min ≤ max.")]
    [InlineData("""{"other": 1}""", "has no \"ranges\" object.")]
    [InlineData("not json", "is not a ranges file:")]
    public async Task Invoke_BadRangesFile_ExitCode2NamingTheProblem(string content, string message)
    {
        var ranges = _directory.File("bad-ranges.json");
        await File.WriteAllTextAsync(ranges, content, TestContext.Current.CancellationToken);

        var exitCode = await InvokeAsync("--model", TwoConvModel(), "--out", _directory.File("out.onnx"), "--ranges", ranges);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, ErrorLine(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("out.onnx")));
    }

    private string TwoConvModel()
    {
        var path = _directory.File("two.onnx");
        var weights = Enumerable.Range(0, 4 * 3 * 3 * 3).Select(i => ((i % 7) - 3) * 0.1f).ToArray();
        var weights2 = Enumerable.Range(0, 2 * 4).Select(i => ((i % 5) - 2) * 0.2f).ToArray();
        new OnnxGraphBuilder("two")
            .AddInput("images", 1, 3, 32, 32)
            .AddInitializer("w", weights, 4, 3, 3, 3)
            .AddInitializer("b", [0.1f, -0.2f, 0.3f, 0f], 4)
            .AddInitializer("w2", weights2, 2, 4, 1, 1)
            .AddOutput("y", 1, 2, 32, 32)
            .AddNode("Conv", ["images", "w", "b"], ["hidden"], OnnxAttribute.Ints("pads", 1, 1, 1, 1))
            .AddNode("Conv", ["hidden", "w2"], ["y"])
            .Save(path);
        return path;
    }

    private string TinyConvModel()
    {
        var path = _directory.File("tiny.onnx");
        var weights = Enumerable.Range(0, 4 * 3 * 3 * 3).Select(i => ((i % 7) - 3) * 0.1f).ToArray();
        new OnnxGraphBuilder("tiny")
            .AddInput("images", 1, 3, 32, 32)
            .AddInitializer("w", weights, 4, 3, 3, 3)
            .AddInitializer("b", [0.1f, -0.2f, 0.3f, 0f], 4)
            .AddOutput("y", 1, 4, 32, 32)
            .AddNode("Conv", ["images", "w", "b"], ["y"], OnnxAttribute.Ints("pads", 1, 1, 1, 1))
            .Save(path);
        return path;
    }

    private Task<int> InvokeAsync(params string[] arguments) =>
        ModelToolsCommand.Create()
            .Parse(["quantize", .. arguments])
            .InvokeAsync(new InvocationConfiguration { Output = _output, Error = _error }, TestContext.Current.CancellationToken);

    private string ErrorLine() => Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
}
