using Inspection.ModelTools.Onnx;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.Detection.Tests;

/// <summary>
/// Tiny real ONNX detectors for the tests. The "grid" model splits its 64×64 input into an 8×8 grid of
/// 8-pixel cells; a cell's score is its mean brightness and its box is the cell itself, so a bright square
/// that covers one cell yields exactly one confident detection there.
/// </summary>
internal static class TestModels
{
    public const int InputSize = 64;
    public const int CellSize = 8;
    public const int Cells = InputSize / CellSize;
    public const int Anchors = Cells * Cells;

    public static Dictionary<string, string> UltralyticsMetadata() => new()
    {
        ["description"] = "grid test model",
        ["version"] = "1.2.3",
        ["task"] = "detect",
        ["stride"] = "8",
        ["imgsz"] = $"[{InputSize}, {InputSize}]",
        ["names"] = "{0: 'scratch', 1: 'dent'}",
    };

    /// <summary>Writes a grid model in the given Ultralytics layout to <paramref name="path"/>.</summary>
    public static string Grid(string path, YoloOutputLayout layout, Dictionary<string, string>? metadata = null, bool dynamicInput = false)
    {
        var side = dynamicInput ? -1 : InputSize;
        var builder = new OnnxGraphBuilder("grid")
            .AddInput("images", 1, 3, side, side)
            .AddNode("ReduceMean", ["images"], ["gray"], OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 1))
            .AddNode(
                "AveragePool",
                ["gray"],
                ["cells"],
                OnnxAttribute.Ints("kernel_shape", CellSize, CellSize),
                OnnxAttribute.Ints("strides", CellSize, CellSize))
            .AddInitializer("row_shape", new long[] { 1, 1, Anchors }, 3)
            .AddNode("Reshape", ["cells", "row_shape"], ["brightness"])
            .AddInitializer("zero", [0f], 1)
            .AddNode("Mul", ["brightness", "zero"], ["nothing"]);

        switch (layout)
        {
            case YoloOutputLayout.YoloV8:
                // [1, 4+2, N]: cx, cy, w, h, scratch = brightness, dent = 0.
                builder
                    .AddInitializer("boxes", CenterBoxes(), 1, 4, Anchors)
                    .AddNode("Concat", ["boxes", "brightness", "nothing"], ["output0"], OnnxAttribute.Int("axis", 1))
                    .AddOutput("output0", 1, 6, dynamicInput ? -1 : Anchors);
                break;
            case YoloOutputLayout.YoloV5:
                // [1, N, 5+2]: cx, cy, w, h, objectness = brightness, scratch = 0.5, dent = 0.
                builder
                    .AddInitializer("boxes", CenterBoxes(), 1, 4, Anchors)
                    .AddInitializer("half", Enumerable.Repeat(0.5f, Anchors).ToArray(), 1, 1, Anchors)
                    .AddNode("Concat", ["boxes", "brightness", "half", "nothing"], ["channels"], OnnxAttribute.Int("axis", 1))
                    .AddNode("Transpose", ["channels"], ["output0"], OnnxAttribute.Ints("perm", 0, 2, 1))
                    .AddOutput("output0", 1, Anchors, 7);
                break;
            default:
                // [1, K, 6]: x1, y1, x2, y2, score = brightness, class = 1 (dent).
                builder
                    .AddInitializer("corners", CornerBoxes(), 1, 4, Anchors)
                    .AddInitializer("class_ids", Enumerable.Repeat(1f, Anchors).ToArray(), 1, 1, Anchors)
                    .AddNode("Concat", ["corners", "brightness", "class_ids"], ["channels"], OnnxAttribute.Int("axis", 1))
                    .AddNode("Transpose", ["channels"], ["output0"], OnnxAttribute.Ints("perm", 0, 2, 1))
                    .AddOutput("output0", 1, Anchors, 6);
                break;
        }

        foreach (var (key, value) in metadata ?? UltralyticsMetadata())
        {
            builder.AddMetadata(key, value);
        }

        builder.Save(path);
        return path;
    }

    /// <summary>A model whose single output is <paramref name="outputDims"/>-shaped (a reshaped input mean).</summary>
    public static string WithOutputShape(string path, long[] outputDims, Dictionary<string, string>? metadata = null)
    {
        var count = outputDims.Aggregate(1L, (a, b) => a * b);
        var builder = new OnnxGraphBuilder("shaped")
            .AddInput("images", 1, 3, InputSize, InputSize)
            .AddNode("ReduceMean", ["images"], ["mean"], OnnxAttribute.Ints("axes", 1, 2, 3), OnnxAttribute.Int("keepdims", 0))
            .AddInitializer("fill", new float[count], outputDims)
            .AddNode("Add", ["fill", "mean"], ["output0"])
            .AddOutput("output0", outputDims);
        foreach (var (key, value) in metadata ?? UltralyticsMetadata())
        {
            builder.AddMetadata(key, value);
        }

        builder.Save(path);
        return path;
    }

    /// <summary>A model with two image inputs (not a detector).</summary>
    public static string TwoInputs(string path) =>
        Save(
            new OnnxGraphBuilder("two")
                .AddInput("a", 1, 3, InputSize, InputSize)
                .AddInput("b", 1, 3, InputSize, InputSize)
                .AddNode("Add", ["a", "b"], ["output0"])
                .AddOutput("output0", 1, 3, InputSize, InputSize),
            path);

    /// <summary>A model whose input is half precision.</summary>
    public static string HalfInput(string path) =>
        Save(
            new OnnxGraphBuilder("half")
                .AddInput("images", TensorProto.Types.DataType.Float16, 1, 3, InputSize, InputSize)
                .AddNode("Cast", ["images"], ["output0"], OnnxAttribute.Int("to", (long)TensorProto.Types.DataType.Float))
                .AddOutput("output0", 1, 3, InputSize, InputSize),
            path);

    /// <summary>A model whose input is not an image tensor [1, 3, H, W].</summary>
    public static string FlatInput(string path) =>
        Save(
            new OnnxGraphBuilder("flat")
                .AddInput("images", 1, 3 * InputSize * InputSize)
                .AddNode("Relu", ["images"], ["output0"])
                .AddOutput("output0", 1, 3 * InputSize * InputSize),
            path);

    private static string Save(OnnxGraphBuilder builder, string path)
    {
        builder.Save(path);
        return path;
    }

    private static float[] CenterBoxes()
    {
        var data = new float[4 * Anchors];
        for (var i = 0; i < Anchors; i++)
        {
            data[i] = ((i % Cells) * CellSize) + (CellSize / 2f);
            data[Anchors + i] = ((i / Cells) * CellSize) + (CellSize / 2f);
            data[(2 * Anchors) + i] = CellSize;
            data[(3 * Anchors) + i] = CellSize;
        }

        return data;
    }

    private static float[] CornerBoxes()
    {
        var data = new float[4 * Anchors];
        for (var i = 0; i < Anchors; i++)
        {
            data[i] = (i % Cells) * CellSize;
            data[Anchors + i] = (i / Cells) * CellSize;
            data[(2 * Anchors) + i] = ((i % Cells) + 1) * CellSize;
            data[(3 * Anchors) + i] = ((i / Cells) + 1) * CellSize;
        }

        return data;
    }
}
