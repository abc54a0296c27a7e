using System.Globalization;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Onnx;
using Inspection.Trainer.Training;
using static TorchSharp.torch;

namespace Inspection.Trainer.Export;

/// <summary>
/// Writes a trained <see cref="DetectorNet"/> as ONNX in the Ultralytics YOLOv8 detection layout: input
/// <c>images</c> [1, 3, S, S] (RGB, 0–1, letterboxed), output <c>output0</c> [1, 4 + nc, (S/8)²] with cx, cy, w, h
/// in input pixels then one sigmoid score per class, cells row-major. BatchNorm is folded into the convolutions;
/// SiLU is Sigmoid·Mul (opset 17 has no SiLU). The box decode is a fixed 1×1 conv from (l, t, r, b) to
/// (cx − ax, cy − ay, w, h) plus a constant grid of cell centres.
/// </summary>
public static class DetectorOnnxExporter
{
    /// <summary>The input tensor's name.</summary>
    public const string InputName = "images";

    /// <summary>The name of stage <paramref name="index"/>'s output (after SiLU), the input of the next conv.</summary>
    public static string StageOutputName(int index) => $"block{index}.out";

    /// <summary>Builds the graph with Ultralytics-style metadata (<c>names</c>, <c>imgsz</c>, <c>stride</c>, <c>task</c>, <c>batch</c>, …).</summary>
    public static OnnxGraphBuilder Build(DetectorNet model, int imageSize, string description, string version, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (imageSize % DetectorNet.Stride != 0)
        {
            throw new ArgumentException($"The input size {imageSize} must be a multiple of the stride {DetectorNet.Stride}.", nameof(imageSize));
        }

        var classes = model.ClassCount;
        if (classes != DefectClasses.Names.Count)
        {
            throw new ArgumentException(
                $"The model has {classes} classes but the line defines {DefectClasses.Names.Count}: {DefectClasses.NamesMetadata}.", nameof(model));
        }

        var grid = imageSize / DetectorNet.Stride;
        var cells = grid * grid;
        var builder = new OnnxGraphBuilder("inspection-trained-detector")
        {
            DocString = description,
            ProducerVersion = version,
            ModelVersion = 1,
        };
        builder.AddInput(InputName, 1, 3, imageSize, imageSize).AddOutput("output0", 1, 4 + classes, cells);

        var x = InputName;
        for (var i = 0; i < model.Blocks.Count; i++)
        {
            var block = model.Blocks[i];
            var (weight, bias, shape) = Fold(block);
            var pad = block.Padding;
            var name = $"block{i}";
            builder.AddInitializer($"{name}.weight", weight, shape)
                .AddInitializer($"{name}.bias", bias, shape[0])
                .AddNode("Conv", [x, $"{name}.weight", $"{name}.bias"], [$"{name}.conv"],
                    OnnxAttribute.Ints("kernel_shape", block.Kernel, block.Kernel),
                    OnnxAttribute.Ints("strides", block.Stride, block.Stride),
                    OnnxAttribute.Ints("dilations", block.Dilation, block.Dilation),
                    OnnxAttribute.Ints("pads", pad, pad, pad, pad))
                .AddNode("Sigmoid", [$"{name}.conv"], [$"{name}.gate"])
                .AddNode("Mul", [$"{name}.conv", $"{name}.gate"], [model.IsResidual(i) ? $"{name}.silu" : StageOutputName(i)]);
            if (model.IsResidual(i))
            {
                builder.AddNode("Add", [$"{name}.silu", x], [StageOutputName(i)]);
            }

            x = StageOutputName(i);
        }

        var head = model.Head;
        builder.AddInitializer("head.weight", Values(head.weight!), Shape(head.weight!))
            .AddInitializer("head.bias", Values(head.bias!), head.bias!.shape[0])
            .AddNode("Conv", [x, "head.weight", "head.bias"], ["head"])
            .AddInitializer("head.split", [4L, classes], 2)
            .AddNode("Split", ["head", "head.split"], ["box.logits", "class.logits"], OnnxAttribute.Int("axis", 1))
            .AddNode("Softplus", ["box.logits"], ["box.strides"])
            .AddInitializer("stride", [(float)DetectorNet.Stride], 1)
            .AddNode("Mul", ["box.strides", "stride"], ["ltrb"])
            .AddInitializer("ltrb.to.xywh", [-0.5f, 0, 0.5f, 0, 0, -0.5f, 0, 0.5f, 1, 0, 1, 0, 0, 1, 0, 1], 4, 4, 1, 1)
            .AddNode("Conv", ["ltrb", "ltrb.to.xywh"], ["box.relative"])
            .AddInitializer("cell.centres", CellCentres(grid), 1, 4, grid, grid)
            .AddNode("Add", ["box.relative", "cell.centres"], ["box"])
            .AddNode("Sigmoid", ["class.logits"], ["scores"])
            .AddNode("Concat", ["box", "scores"], ["grid.output"], OnnxAttribute.Int("axis", 1))
            .AddInitializer("output.shape", [1L, 4 + classes, cells], 3)
            .AddNode("Reshape", ["grid.output", "output.shape"], ["output0"]);

        builder.AddMetadata("description", description)
            .AddMetadata("author", "Inspection project")
            .AddMetadata("date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .AddMetadata("version", version)
            .AddMetadata("license", "Same terms as the Inspection repository")
            .AddMetadata("stride", DetectorNet.Stride.ToString(CultureInfo.InvariantCulture))
            .AddMetadata("task", "detect")
            .AddMetadata("batch", "1")
            .AddMetadata("imgsz", $"[{imageSize}, {imageSize}]")
            .AddMetadata("names", DefectClasses.NamesMetadata);
        return builder;
    }

    /// <summary>The block's BatchNorm folded into its conv (<see cref="ConvBlock.Folded"/>), in float64, stored as float32.</summary>
    private static (float[] Weight, float[] Bias, long[] Shape) Fold(ConvBlock block)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (weight, bias) = block.Folded(ScalarType.Float64);
        return (Values(weight.to_type(ScalarType.Float32)), Values(bias.to_type(ScalarType.Float32)), Shape(block.conv.weight!));
    }

    private static float[] CellCentres(int grid)
    {
        var plane = grid * grid;
        var centres = new float[4 * plane];
        for (var gy = 0; gy < grid; gy++)
        {
            for (var gx = 0; gx < grid; gx++)
            {
                centres[(gy * grid) + gx] = (gx + 0.5f) * DetectorNet.Stride;
                centres[plane + (gy * grid) + gx] = (gy + 0.5f) * DetectorNet.Stride;
            }
        }

        return centres;
    }

    private static float[] Values(Tensor tensor)
    {
        using var contiguous = tensor.detach().contiguous().cpu();
        return contiguous.data<float>().ToArray();
    }

    private static long[] Shape(Tensor tensor) => tensor.shape;
}
