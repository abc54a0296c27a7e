using Inspection.Detection;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Google.Protobuf;
using Inspection.ModelTools.Onnx;
using Inspection.ModelTools.Onnx.Proto;
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

    /// <summary>Grey level whose confidence (~0.72) is inside <see cref="BrightnessBand"/>.</summary>
    public const byte UncertainGrey = 184;

    /// <summary>Grey level whose confidence (~0.90) is above the band: defect.</summary>
    public const byte DefectGrey = 230;

    /// <summary>
    /// The band the grey levels here are laid out around (0.25–0.85). The brightness model's tests pin it: the shipped
    /// band is chosen for the shipped models and moves when they are rebuilt.
    /// </summary>
    public static DecisionOptions BrightnessBand => new() { Lower = 0.25f, Upper = 0.85f };

    public static string Brightness(string path) => Brightness(path, "0.0.1");

    /// <summary>
    /// The brightness model, as another version (other bytes, same behaviour), <paramref name="inverted"/> (scores
    /// 1 − brightness: it decides the opposite on dark and bright frames), or <paramref name="heavy"/> (the same scores
    /// after a large matrix product on the input: far slower per frame).
    /// </summary>
    public static string Brightness(string path, string version, bool inverted = false, bool heavy = false)
    {
        var builder = new OnnxGraphBuilder("brightness")
            .AddInput("images", 1, 3, InputSize, InputSize)
            .AddNode("ReduceMean", ["images"], [inverted || heavy ? "brightness" : "mean"], OnnxAttribute.Ints("axes", 1, 2, 3), OnnxAttribute.Int("keepdims", 1));
        if (inverted)
        {
            builder
                .AddInitializer("one", [1f], 1, 1, 1, 1)
                .AddNode("Sub", ["one", "brightness"], ["mean"]);
        }
        else if (heavy)
        {
            // Depends on the input, so ONNX Runtime cannot fold it away; multiplied by zero, so the score is unchanged.
            const int width = 1024;
            builder
                .AddInitializer("rows_shape", new long[] { 3 * InputSize, InputSize }, 2)
                .AddNode("Reshape", ["images", "rows_shape"], ["rows"])
                .AddInitializer("widen", Enumerable.Repeat(0.001f, InputSize * width).ToArray(), InputSize, width)
                .AddNode("MatMul", ["rows", "widen"], ["wide"])
                .AddInitializer("square", Enumerable.Repeat(0.001f, width * width).ToArray(), width, width)
                .AddNode("MatMul", ["wide", "square"], ["product1"])
                .AddNode("MatMul", ["product1", "square"], ["product2"])
                .AddNode("MatMul", ["product2", "square"], ["product3"])
                .AddNode("MatMul", ["product3", "square"], ["product"])
                .AddNode("ReduceSum", ["product"], ["total"], OnnxAttribute.Int("keepdims", 0))
                .AddInitializer("zero", [0f], 1)
                .AddNode("Mul", ["total", "zero"], ["nothing"])
                .AddNode("Add", ["brightness", "nothing"], ["mean"]);
        }

        builder
            .AddInitializer("score_shape", new long[] { 1, 1, 1 }, 3)
            .AddNode("Reshape", ["mean", "score_shape"], ["score"])
            .AddInitializer("box", [16f, 16f, 16f, 16f], 1, 4, 1)
            .AddNode("Concat", ["box", "score"], ["output0"], OnnxAttribute.Int("axis", 1))
            .AddOutput("output0", 1, 5, 1)
            .AddMetadata("description", "brightness test model")
            .AddMetadata("version", version)
            .AddMetadata("task", "detect")
            .AddMetadata("stride", "32")
            .AddMetadata("imgsz", $"[{InputSize}, {InputSize}]")
            .AddMetadata("names", "{0: 'scratch'}")
            .Save(path);
        return path;
    }

    /// <summary>Grey level no golden frame and no default line frame has, on which <see cref="FailingOnGlare"/> fails (the brightness models call it defect).</summary>
    public const byte GlareGrey = 250;

    /// <summary>
    /// The brightness model with a flaw that shows only at run time: it loads, warms up (on black) and reproduces the
    /// golden set, but fails in ONNX Runtime's Run on frames brighter than 0.95 (<see cref="GlareGrey"/>), because a
    /// Gather index computed from the brightness leaves its one-element table there.
    /// </summary>
    public static string FailingOnGlare(string path, string version)
    {
        new OnnxGraphBuilder("brightness-failing-on-glare")
            .AddInput("images", 1, 3, InputSize, InputSize)
            .AddNode("ReduceMean", ["images"], ["brightness"], OnnxAttribute.Ints("axes", 1, 2, 3), OnnxAttribute.Int("keepdims", 1))
            .AddInitializer("margin", [0.05f], 1, 1, 1, 1)
            .AddNode("Add", ["brightness", "margin"], ["shifted"])
            .AddNode("Floor", ["shifted"], ["index_float"])
            .AddNode("Cast", ["index_float"], ["index"], OnnxAttribute.Int("to", 7))
            .AddInitializer("table", [1f], 1)
            .AddNode("Gather", ["table", "index"], ["one"], OnnxAttribute.Int("axis", 0))
            .AddNode("Mul", ["brightness", "one"], ["mean"])
            .AddInitializer("score_shape", new long[] { 1, 1, 1 }, 3)
            .AddNode("Reshape", ["mean", "score_shape"], ["score"])
            .AddInitializer("box", [16f, 16f, 16f, 16f], 1, 4, 1)
            .AddNode("Concat", ["box", "score"], ["output0"], OnnxAttribute.Int("axis", 1))
            .AddOutput("output0", 1, 5, 1)
            .AddMetadata("description", "brightness test model that fails on glare")
            .AddMetadata("version", version)
            .AddMetadata("task", "detect")
            .AddMetadata("stride", "32")
            .AddMetadata("imgsz", $"[{InputSize}, {InputSize}]")
            .AddMetadata("names", "{0: 'scratch'}")
            .Save(path);
        return path;
    }

    /// <summary>
    /// The brightness model with a flaw that hangs instead of failing: it loads, warms up (on black) and scores ordinary
    /// frames as <see cref="Brightness(string)"/> does, but on a frame brighter than 0.95 (<see cref="GlareGrey"/>) its
    /// score passes through a Loop whose trip count, computed from the brightness, is 10^15: ONNX Runtime's Run does not
    /// return, as an inference on a wedged GPU does not.
    /// </summary>
    public static string HangingOnGlare(string path)
    {
        const string placeholder = "mean";
        var model = new OnnxGraphBuilder("brightness-hanging-on-glare")
            .AddInput("images", 1, 3, InputSize, InputSize)
            .AddNode("ReduceMean", ["images"], ["brightness"], OnnxAttribute.Ints("axes", 1, 2, 3), OnnxAttribute.Int("keepdims", 1))
            .AddInitializer("margin", [0.05f], 1, 1, 1, 1)
            .AddNode("Add", ["brightness", "margin"], ["shifted"])
            .AddNode("Floor", ["shifted"], ["glare"])
            .AddInitializer("forever", [1e15f], 1, 1, 1, 1)
            .AddNode("Mul", ["glare", "forever"], ["trips_float"])
            .AddInitializer("scalar_shape", Array.Empty<long>(), 0)
            .AddNode("Reshape", ["trips_float", "scalar_shape"], ["trips_scalar"])
            .AddNode("Cast", ["trips_scalar"], ["trips"], OnnxAttribute.Int("to", 7))
            .AddNode("Identity", ["brightness"], [placeholder])
            .AddInitializer("score_shape", new long[] { 1, 1, 1 }, 3)
            .AddNode("Reshape", [placeholder, "score_shape"], ["score"])
            .AddInitializer("box", [16f, 16f, 16f, 16f], 1, 4, 1)
            .AddNode("Concat", ["box", "score"], ["output0"], OnnxAttribute.Int("axis", 1))
            .AddOutput("output0", 1, 5, 1)
            .AddMetadata("description", "brightness test model that hangs on glare")
            .AddMetadata("version", "0.0.1")
            .AddMetadata("task", "detect")
            .AddMetadata("stride", "32")
            .AddMetadata("imgsz", $"[{InputSize}, {InputSize}]")
            .AddMetadata("names", "{0: 'scratch'}")
            .Build();

        // The builder writes no subgraphs: the placeholder becomes a Loop that carries the brightness through `trips`
        // turns of a body that changes nothing.
        var body = new OnnxGraphBuilder("spin")
            .AddInput("turn", TensorProto.Types.DataType.Int64)
            .AddInput("go_on", TensorProto.Types.DataType.Bool)
            .AddInput("carried", 1, 1, 1, 1)
            .AddNode("Identity", ["go_on"], ["go_on_out"])
            .AddNode("Identity", ["carried"], ["carried_out"])
            .AddOutput("go_on_out", TensorProto.Types.DataType.Bool)
            .AddOutput("carried_out", 1, 1, 1, 1)
            .Build()
            .Graph;
        var node = model.Graph.Node.Single(n => n.Output.Contains(placeholder));
        node.OpType = "Loop";
        node.Name = "Loop_0";
        node.Input.Clear();
        node.Input.Add(["trips", "", "brightness"]);
        node.Attribute.Add(new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body });
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>A model that loads but is no detector: its output is [1, 7].</summary>
    public static string WrongShape(string path)
    {
        new OnnxGraphBuilder("not-a-detector")
            .AddInput("images", 1, 3, InputSize, InputSize)
            .AddInitializer("flat_shape", new long[] { 1, -1 }, 2)
            .AddNode("Reshape", ["images", "flat_shape"], ["flat"])
            .AddNode("ReduceMean", ["flat"], ["mean"], OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 1))
            .AddInitializer("seven", Enumerable.Repeat(1f, 7).ToArray(), 1, 7)
            .AddNode("Mul", ["mean", "seven"], ["output0"])
            .AddOutput("output0", 1, 7)
            .AddMetadata("description", "not a detector")
            .AddMetadata("version", "0.0.9")
            .AddMetadata("task", "detect")
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

    /// <summary>
    /// The agent's model owner on <paramref name="modelPath"/> (and <paramref name="decision"/>'s band), loaded as the
    /// host would load it; no committed model exists in <paramref name="modelsFolder"/>.
    /// </summary>
    public static ActiveModel Active(string modelPath, string modelsFolder, DecisionOptions? decision = null)
    {
        var active = Unloaded(modelsFolder, options => OnnxDetector.Load(options, NullLogger.Instance), modelPath, decision);
        active.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return active;
    }

    /// <summary>A model owner that has not loaded anything (and whose factory is <paramref name="factory"/>).</summary>
    public static ActiveModel Unloaded(string modelsFolder, DetectorFactory factory, string modelPath = "unused.onnx", DecisionOptions? decision = null) =>
        new(
            factory,
            TestOptions.Of(Options(modelPath)),
            TestOptions.Of(decision ?? BrightnessBand),
            new CommittedModelFile(modelsFolder),
            new FramePacer(0, TimeProvider.System),
            TestOptions.Of(new OtaOptions()),
            TimeProvider.System,
            NoSystemd.Watchdog(TimeProvider.System),
            NullLogger<ActiveModel>.Instance);

    public static IDetector LoadBrightness(string folder) =>
        OnnxDetector.Load(Options(Brightness(Path.Combine(folder, "brightness.onnx"))), NullLogger.Instance);
}
