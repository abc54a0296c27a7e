using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.Detection.Tests;

public sealed class OnnxDetectorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void DetectPrepared_ShippedSelfTestInput_EqualsDetectOnTheSameImage()
    {
        // The prepared input (raw RGB at the model's size) against the same pixels as a BGR frame through the letterbox
        // and OpenCV's NMS: the path without OpenCV must decide exactly as the frame path does.
        using var detector = OnnxDetector.Load(
            new DetectorOptions { ModelPath = RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx"), ExecutionProviders = ["CPU"] },
            NullLogger.Instance);
        var rgb = File.ReadAllBytes(RepositoryRoot.Combine("models", "edge", "self-test-input.rgb"));
        var (width, height) = (detector.Model.InputWidth, detector.Model.InputHeight);
        Assert.Equal(3 * width * height, rgb.Length);
        var planar = new float[rgb.Length];
        using var frame = new Mat(height, width, MatType.CV_8UC3);
        for (var i = 0; i < width * height; i++)
        {
            planar[i] = rgb[3 * i] * (1f / 255f);
            planar[(width * height) + i] = rgb[(3 * i) + 1] * (1f / 255f);
            planar[(2 * width * height) + i] = rgb[(3 * i) + 2] * (1f / 255f);
            frame.Set(i / width, i % width, new Vec3b(rgb[(3 * i) + 2], rgb[(3 * i) + 1], rgb[3 * i]));
        }

        var fromFrame = detector.Detect(frame);
        var prepared = detector.DetectPrepared(planar);

        Assert.NotEmpty(fromFrame);
        Assert.Equal(fromFrame, prepared);
        Assert.Equal([1L, 3, height, width], detector.InputShape);
    }

    [Fact]
    public void Load_UltralyticsGridModel_ReadsMetadataAndLayout()
    {
        using var detector = Load(Grid(YoloOutputLayout.YoloV8));

        Assert.Equal(new ModelMetadata("grid test model", "1.2.3", detector.Model.ClassNames, 64, 64, 8, "detect"), detector.Model);
        Assert.Equal(["scratch", "dent"], detector.Model.ClassNames);
        Assert.Equal(YoloOutputLayout.YoloV8, detector.OutputLayout);
        Assert.Equal("CPU", detector.ExecutionProvider);
    }

    [Theory]
    [InlineData(YoloOutputLayout.YoloV8, 0, "scratch", 1.0f)]
    [InlineData(YoloOutputLayout.YoloV5, 0, "scratch", 0.5f)]
    [InlineData(YoloOutputLayout.EndToEnd, 1, "dent", 1.0f)]
    public void Detect_BrightSquare_DetectsItInFramePixels(YoloOutputLayout layout, int classId, string className, float confidence)
    {
        // Above the padding gray (0.447, and 0.22 for YOLOv5 whose class score halves it), below the square.
        using var detector = Load(Grid(layout), scoreThreshold: layout == YoloOutputLayout.YoloV5 ? 0.4f : 0.5f);
        Assert.Equal(layout, detector.OutputLayout);

        // 128x96 letterboxes into 64x64 at scale 0.5 with 8 rows of padding on top, so the square at
        // (32, 32)-(48, 48) covers exactly the grid cell (16, 24)-(24, 32) of the network input.
        using var frame = FrameWithSquare(128, 96, new Rect(32, 32, 16, 16));

        var detection = Assert.Single(detector.Detect(frame));

        Assert.Equal(classId, detection.ClassId);
        Assert.Equal(className, detection.ClassName);
        Assert.Equal(confidence, detection.Confidence, 3);
        Assert.Equal(32, detection.Box.X1, 1);
        Assert.Equal(32, detection.Box.Y1, 1);
        Assert.Equal(48, detection.Box.X2, 1);
        Assert.Equal(48, detection.Box.Y2, 1);
    }

    [Fact]
    public void Detect_NextFrame_LeavesEarlierResultsUnchanged()
    {
        using var detector = Load(Grid(YoloOutputLayout.YoloV8));
        using var square = FrameWithSquare(64, 64, new Rect(8, 8, 8, 8));
        using var elsewhere = FrameWithSquare(64, 64, new Rect(40, 40, 8, 8));
        var first = detector.Detect(square);
        var copy = first.ToArray();

        detector.Detect(elsewhere);

        Assert.Equal(copy, first);
    }

    [Fact]
    public void Detect_BlackFrame_ReturnsNothing()
    {
        using var detector = Load(Grid(YoloOutputLayout.YoloV8));
        using var frame = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(0));

        Assert.Empty(detector.Detect(frame));
    }

    [Fact]
    public void Detect_FrameSizeChanges_PaddingIsRedrawnForTheNewSize()
    {
        using var detector = Load(Grid(YoloOutputLayout.YoloV8), scoreThreshold: 0.4f);
        using var wideWhite = new Mat(64, 128, MatType.CV_8UC3, Scalar.All(255));
        using var tallBlack = new Mat(128, 80, MatType.CV_8UC3, Scalar.All(0));
        Assert.NotEmpty(detector.Detect(wideWhite));

        // The tall frame fills columns 12..52 of the input, so the grid cell at columns 8..16 is half padding,
        // half frame. Gray padding scores it 0.22; white left over from the wide frame would score it 0.5.
        Assert.Empty(detector.Detect(tallBlack));
    }

    [Fact]
    public void Detect_MoreDetectionsThanMax_ReturnsTheConfiguredMaximum()
    {
        using var detector = Load(Grid(YoloOutputLayout.YoloV8), maxDetections: 3);
        using var white = new Mat(64, 64, MatType.CV_8UC3, Scalar.All(255));

        Assert.Equal(3, detector.Detect(white).Count);
    }

    [Fact]
    public void Detect_SteadyState_AllocatesLittleBeyondTheResult()
    {
        // 64 candidates per frame go through NMS; copying them into managed arrays (what CvDnn.NMSBoxes
        // does) would cost over 2 KB a frame on its own.
        using var detector = Load(Grid(YoloOutputLayout.YoloV8), maxDetections: 1);
        using var white = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(255));
        detector.Detect(white);
        const int Frames = 50;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Frames; i++)
        {
            Assert.Single(detector.Detect(white));
        }

        var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / Frames;
        Assert.InRange(perFrame, 0, 2048);
    }

    [Fact]
    public void Load_AllProvidersOnMachineWithoutGpu_RunsOnCpuAndLogsOneLineWithSkipReasons()
    {
        var path = Grid(YoloOutputLayout.YoloV8);
        var logger = new CapturingLogger();

        using var detector = OnnxDetector.Load(Options(path, providers: ["TensorRT", "CUDA", "CPU"]), logger);

        Assert.Equal("CPU", detector.ExecutionProvider);
        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, level);
        Assert.Contains("grid test model", message, StringComparison.Ordinal);
        Assert.Contains("1.2.3", message, StringComparison.Ordinal);
        Assert.Contains(path, message, StringComparison.Ordinal);
        Assert.Contains("on CPU", message, StringComparison.Ordinal);
        Assert.Matches(@"skipped providers: TensorRT \(.+\); CUDA \(.+\)$", message);
    }

    [Fact]
    public void Load_CpuOnly_LogsNoSkippedProviders()
    {
        var logger = new CapturingLogger();

        using var detector = OnnxDetector.Load(Options(Grid(YoloOutputLayout.YoloV8)), logger);

        Assert.EndsWith("skipped providers: none", Assert.Single(logger.Entries).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DynamicInputSizeWithImgsz_UsesImgszAndDetects()
    {
        using var detector = Load(Grid(YoloOutputLayout.YoloV8, dynamicInput: true));
        using var frame = FrameWithSquare(64, 64, new Rect(8, 8, 8, 8));

        var detection = Assert.Single(detector.Detect(frame));

        Assert.Equal((64, 64), (detector.Model.InputWidth, detector.Model.InputHeight));
        Assert.Equal(new BoundingBox(8, 8, 16, 16), detection.Box);
    }

    [Fact]
    public void Load_DynamicInputSizeWithoutImgsz_ThrowsContractError()
    {
        var metadata = TestModels.UltralyticsMetadata();
        metadata.Remove("imgsz");
        var path = Grid(YoloOutputLayout.YoloV8, metadata, dynamicInput: true);

        var error = Assert.Throws<ModelContractException>(() => Load(path));

        Assert.Contains("no imgsz metadata", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoNamesMetadata_NamesClassesByIdAndModelByFile()
    {
        var path = TestModels.Grid(_temp.File("nameless.onnx"), YoloOutputLayout.YoloV8, []);

        using var detector = Load(path);

        Assert.Equal(["class0", "class1"], detector.Model.ClassNames);
        Assert.Equal("nameless", detector.Model.Name);
        Assert.Equal("unknown", detector.Model.Version);
        Assert.Equal(32, detector.Model.Stride);
    }

    [Fact]
    public void Load_OutputOfRankTwo_ThrowsContractErrorWithShapes()
    {
        var path = TestModels.WithOutputShape(_temp.File("flat-output.onnx"), [1, 64]);

        var error = Assert.Throws<ModelContractException>(() => Load(path));

        Assert.Equal(path, error.ModelPath);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 64]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 6, N]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OutputLayoutMatchingNothing_ThrowsContractError()
    {
        var path = TestModels.WithOutputShape(_temp.File("odd.onnx"), [1, 3, 3]);

        var error = Assert.Throws<ModelContractException>(() => Load(path));

        Assert.Contains("[1, 3, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClassCountDisagreesWithNames_ThrowsContractError()
    {
        var metadata = TestModels.UltralyticsMetadata();
        metadata["names"] = "{0: 'scratch', 1: 'dent', 2: 'chip'}";

        var error = Assert.Throws<ModelContractException>(() => Load(Grid(YoloOutputLayout.YoloV8, metadata)));

        Assert.Contains("scores 2 classes", error.Message, StringComparison.Ordinal);
        Assert.Contains("lists 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoInputs_ThrowsContractError()
    {
        var error = Assert.Throws<ModelContractException>(() => Load(TestModels.TwoInputs(_temp.File("two.onnx"))));

        Assert.Contains("2 inputs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HalfPrecisionInput_ThrowsContractError()
    {
        var error = Assert.Throws<ModelContractException>(() => Load(TestModels.HalfInput(_temp.File("half.onnx"))));

        Assert.Contains("Float16", error.Message, StringComparison.Ordinal);
        Assert.Contains("float32 [1, 3, H, W]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InputNotAnImage_ThrowsContractError()
    {
        var error = Assert.Throws<ModelContractException>(() => Load(TestModels.FlatInput(_temp.File("flat.onnx"))));

        Assert.Contains("[1, 12288]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SegmentationTask_ThrowsContractError()
    {
        var metadata = TestModels.UltralyticsMetadata();
        metadata["task"] = "segment";

        var error = Assert.Throws<ModelContractException>(() => Load(Grid(YoloOutputLayout.YoloV8, metadata)));

        Assert.Contains("'segment'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MalformedNames_ThrowsContractErrorNamingTheKey()
    {
        var metadata = TestModels.UltralyticsMetadata();
        metadata["names"] = "{0: 'scratch', 1: 'dent'";

        var error = Assert.Throws<ModelContractException>(() => Load(Grid(YoloOutputLayout.YoloV8, metadata)));

        Assert.Contains("'names'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ImgszDisagreesWithInputShape_ThrowsContractError()
    {
        var metadata = TestModels.UltralyticsMetadata();
        metadata["imgsz"] = "[320, 320]";

        var error = Assert.Throws<ModelContractException>(() => Load(Grid(YoloOutputLayout.YoloV8, metadata)));

        Assert.Contains("imgsz metadata says 320", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptFile_ThrowsContractErrorFromOnnxRuntime()
    {
        var path = _temp.File("corrupt.onnx");
        File.WriteAllText(path, "this is not an ONNX model");

        var error = Assert.Throws<ModelContractException>(() => Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot load it", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void Load_TruncatedFile_ThrowsContractError()
    {
        var path = Grid(YoloOutputLayout.YoloV8);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        Assert.Throws<ModelContractException>(() => Load(path));
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFoundNamingTheSetting()
    {
        var path = _temp.File("absent.onnx");

        var error = Assert.Throws<FileNotFoundException>(() => Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Detector:ModelPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoModelPath_ThrowsWithTheRequiredMessage()
    {
        var error = Assert.Throws<ArgumentException>(() => OnnxDetector.Load(new DetectorOptions(), NullLogger.Instance));

        Assert.Contains("Detector:ModelPath is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThresholdOutOfRange_ThrowsWithTheSettingName()
    {
        var options = Options(Grid(YoloOutputLayout.YoloV8), scoreThreshold: 1.5f);

        var error = Assert.Throws<ArgumentException>(() => OnnxDetector.Load(options, NullLogger.Instance));

        Assert.Contains("Detector:ScoreThreshold must be between 0 and 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownProvider_ThrowsBeforeTouchingTheModel()
    {
        var options = Options(_temp.File("absent.onnx"), providers: ["CUDA", "NPU"]);

        var error = Assert.Throws<ArgumentException>(() => OnnxDetector.Load(options, NullLogger.Instance));

        Assert.Contains("\"NPU\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_EmptyOrWrongTypeFrame_ThrowsAndTheNextFrameStillWorks()
    {
        using var detector = Load(Grid(YoloOutputLayout.YoloV8));
        using var empty = new Mat();
        using var gray = new Mat(64, 64, MatType.CV_8UC1, Scalar.All(255));
        using var good = FrameWithSquare(64, 64, new Rect(8, 8, 8, 8));

        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => detector.Detect(empty)).Message, StringComparison.Ordinal);
        Assert.Contains("CV_8UC3", Assert.Throws<ArgumentException>(() => detector.Detect(gray)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => detector.Detect(null!));

        Assert.Single(detector.Detect(good));
    }

    [Fact]
    public void Detect_AfterDispose_ThrowsObjectDisposed()
    {
        var detector = Load(Grid(YoloOutputLayout.YoloV8));
        using var frame = new Mat(64, 64, MatType.CV_8UC3, Scalar.All(0));

        detector.Dispose();
        detector.Dispose();

        Assert.Throws<ObjectDisposedException>(() => detector.Detect(frame));
    }

    private string Grid(YoloOutputLayout layout, Dictionary<string, string>? metadata = null, bool dynamicInput = false) =>
        TestModels.Grid(_temp.File($"grid-{layout}-{Guid.NewGuid():N}.onnx"), layout, metadata, dynamicInput);

    private static OnnxDetector Load(string path, float scoreThreshold = 0.5f, int maxDetections = 100) =>
        OnnxDetector.Load(Options(path, scoreThreshold, maxDetections), NullLogger.Instance);

    private static DetectorOptions Options(string path, float scoreThreshold = 0.5f, int maxDetections = 100, string[]? providers = null) => new()
    {
        ModelPath = path,
        ExecutionProviders = providers ?? ["CPU"],
        ScoreThreshold = scoreThreshold,
        MaxDetections = maxDetections,
        WarmupRuns = 1,
        IntraOpThreads = 1,
    };

    private static Mat FrameWithSquare(int width, int height, Rect square)
    {
        var frame = new Mat(height, width, MatType.CV_8UC3, Scalar.All(0));
        frame.Rectangle(square, Scalar.All(255), thickness: -1);
        return frame;
    }
}
