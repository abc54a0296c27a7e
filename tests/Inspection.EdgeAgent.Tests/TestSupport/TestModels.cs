using Inspection.Detection;
using Inspection.ModelTools.Onnx;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// A tiny real ONNX detector in the YOLOv8 layout: one anchor, a fixed box in the middle of its 32×32
/// input, and the class "scratch" scored with the mean brightness of the frame. A uniform grey frame of
/// level g therefore yields one detection with confidence g/255: dark frames pass, mid-grey frames are
/// uncertain, bright frames are defects.
/// </summary>
internal static class TestModels
{
    public const int InputSize = 32;

    /// <summary>Grey level whose confidence (~0.10) is below the uncertain band: pass.</summary>
    public const byte PassGrey = 26;

    /// <summary>Grey level whose confidence (~0.72) is inside the default uncertain band (0.30–0.75).</summary>
    public const byte UncertainGrey = 184;

    /// <summary>Grey level whose confidence (~0.90) is above the band: defect.</summary>
    public const byte DefectGrey = 230;

    public static string Brightness(string path)
    {
        new OnnxGraphBuilder("brightness")
            .AddInput("images", 1, 3, InputSize, InputSize)
            .AddNode("ReduceMean", ["images"], ["mean"], OnnxAttribute.Ints("axes", 1, 2, 3), OnnxAttribute.Int("keepdims", 1))
            .AddInitializer("score_shape", new long[] { 1, 1, 1 }, 3)
            .AddNode("Reshape", ["mean", "score_shape"], ["score"])
            .AddInitializer("box", [16f, 16f, 16f, 16f], 1, 4, 1)
            .AddNode("Concat", ["box", "score"], ["output0"], OnnxAttribute.Int("axis", 1))
            .AddOutput("output0", 1, 5, 1)
            .AddMetadata("description", "brightness test model")
            .AddMetadata("version", "0.0.1")
            .AddMetadata("task", "detect")
            .AddMetadata("stride", "32")
            .AddMetadata("imgsz", $"[{InputSize}, {InputSize}]")
            .AddMetadata("names", "{0: 'scratch'}")
            .Save(path);
        return path;
    }

    public static DetectorOptions Options(string modelPath) => new()
    {
        ModelPath = modelPath,
        ExecutionProviders = ["CPU"],
        WarmupRuns = 1,
        IntraOpThreads = 1,
        // Low enough that a pass frame (grey 26 → score 0.10) still records its weak detection.
        ScoreThreshold = 0.05f,
    };

    public static IDetector LoadBrightness(string folder) =>
        OnnxDetector.Load(Options(Brightness(Path.Combine(folder, "brightness.onnx"))), NullLogger.Instance);
}
