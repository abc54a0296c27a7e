using Inspection.Detection;
using Inspection.ModelTools.Tests.Onnx;
using Inspection.ModelTools.Timing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Inspection.ModelTools.Tests.Timing;

public sealed class TimingGraphBuilderTests(TimingGraphFixture graph) : IClassFixture<TimingGraphFixture>
{
    // What Ultralytics reports for YOLOv8n with 80 classes (before BatchNorm folding, which removes one value per channel).
    private const long UltralyticsParameters = 3_157_200;

    [Fact]
    public void Invoke_BuildTiming_WritesFileAndPrintsCounts()
    {
        Assert.Equal(string.Empty, graph.Error);
        Assert.Equal(0, graph.ExitCode);
        Assert.True(File.Exists(graph.Path));
        Assert.Contains("3,151,904 parameters, 8.7 GFLOPs", graph.Output, StringComparison.Ordinal);
        Assert.Contains("TIMING ONLY", graph.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Default_PassesOnnxFullCheck()
    {
        OnnxChecker.RequireAvailable();

        var (exitCode, output) = OnnxChecker.Check(graph.Path);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void Count_WrittenFile_HasYoloV8nParametersAndFlops()
    {
        var cost = OnnxCostCounter.Count(graph.Path);

        Assert.InRange(cost.Parameters, (long)(UltralyticsParameters * 0.99), (long)(UltralyticsParameters * 1.01));
        Assert.InRange(cost.GigaFlops, 8.0, 9.5);
        Assert.Equal(64, cost.ConvNodes);
    }

    [Fact]
    public void Run_OnnxRuntimeCpu_ReturnsFiniteOutputOf84By8400()
    {
        using var session = new InferenceSession(graph.Path);
        var input = new float[3 * 640 * 640];
        var random = new Random(7);
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextSingle();
        }

        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 640, 640]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["images"], [tensor], ["output0"]);

        Assert.Equal([1L, 84, 8400], outputs[0].GetTensorTypeAndShape().Shape);
        var values = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.All(values, v => Assert.True(float.IsFinite(v)));

        // Boxes are in input pixels and scores are probabilities: the decode is wired as in an Ultralytics export.
        var anchors = 8400;
        Assert.InRange(values.AsSpan(0, 2 * anchors).ToArray().Average(), 100, 540);
        Assert.All(values.AsSpan(2 * anchors, 2 * anchors).ToArray(), size => Assert.InRange(size, 0, 30 * 32));
        Assert.All(values.AsSpan(4 * anchors).ToArray(), score => Assert.InRange(score, 0, 1));
    }

    [Fact]
    public void Load_OnnxDetector_ReadsMetadataAndDetectsOnSyntheticFrame()
    {
        using var detector = OnnxDetector.Load(
            new DetectorOptions { ModelPath = graph.Path, ExecutionProviders = ["CPU"], WarmupRuns = 1 }, NullLogger.Instance);
        using var frame = new Mat(480, 640, MatType.CV_8UC3);
        Cv2.Randu(frame, Scalar.All(0), Scalar.All(255));

        var detections = detector.Detect(frame);

        Assert.NotNull(detections);
        Assert.Equal(YoloOutputLayout.YoloV8, detector.OutputLayout);
        Assert.Equal(80, detector.Model.ClassNames.Count);
        Assert.Equal("class79", detector.Model.ClassNames[79]);
        Assert.Equal((640, 640, 32), (detector.Model.InputWidth, detector.Model.InputHeight, detector.Model.Stride));
        Assert.Contains("TIMING ONLY", detector.Model.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Default_MarksMetadataTimingOnly()
    {
        using var session = new InferenceSession(graph.Path);

        var metadata = session.ModelMetadata.CustomMetadataMap;

        Assert.Equal("true", metadata["timing_only"]);
        Assert.Equal("detect", metadata["task"]);
        Assert.Equal("[640, 640]", metadata["imgsz"]);
        Assert.Equal("1", metadata["batch"]);
        Assert.StartsWith("{0: 'class0', 1: 'class1',", metadata["names"], StringComparison.Ordinal);
        Assert.Contains("random weights", metadata["description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_SameSeedTwice_WritesIdenticalBytes()
    {
        var again = Path.Combine(graph.Folder, "again", "yolov8n-timing.onnx");

        var (exitCode, _, _) = await TimingGraphFixture.InvokeAsync(["build-timing", "--out", again, "--seed", "1"], TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.Equal(await File.ReadAllBytesAsync(graph.Path, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(again, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Build_DifferentSeed_WritesDifferentWeights()
    {
        var first = await File.ReadAllBytesAsync(graph.Path, TestContext.Current.CancellationToken);

        var other = TimingGraphBuilder.Build(seed: 2).ToBytes();

        Assert.Equal(first.Length, other.Length);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(0)]
    [InlineData(4096)]
    public void Build_ImageSizeNotAMultipleOf32InRange_Throws(int imageSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TimingGraphBuilder.Build(imageSize: imageSize));

        Assert.Contains("multiple of 32", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--imgsz", "100", "--imgsz must be a multiple of 32 between 32 and 2048 pixels, got 100.")]
    [InlineData("--classes", "0", "--classes must be between 1 and 1000, got 0.")]
    public void Parse_BuildTimingWithBadValue_ReportsWhatIsWrong(string option, string value, string message)
    {
        var result = ModelToolsCommand.Create().Parse(["build-timing", "--out", graph.Path, option, value]);

        Assert.Contains(result.Errors, e => e.Message == message);
    }

    [Fact]
    public void Build_SmallInputFewClasses_MatchesItsShape()
    {
        var model = TimingGraphBuilder.Build(imageSize: 320, classes: 3).Build();

        var output = model.Graph.Output.Single();
        Assert.Equal([1L, 7, 2100], output.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.Equal("{0: 'class0', 1: 'class1', 2: 'class2'}", model.MetadataProps.Single(p => p.Key == "names").Value);
    }
}
