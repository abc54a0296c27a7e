using System.Globalization;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Onnx;

namespace Inspection.ModelTools.Models;

/// <summary>
/// Builds the hand-designed defect detector as an ONNX graph in the Ultralytics YOLOv8 detection layout:
/// input <c>images</c> [1, 3, S, S] (RGB, 0–1, letterboxed), output <c>output0</c> [1, 4 + nc, N] with
/// rows cx, cy, w, h (input pixels) then one sigmoid score per class, N = (S / stride)² cells, row-major.
/// </summary>
/// <remarks>
/// The network is a fixed filter bank, not a constant: grey + blur (one conv) → for 8 orientations, a short
/// line compared with both flanks, each half of the line separately (conv, min), counted only on light
/// surfaces away from large dark regions → a blob test, a centre darker than 8 points around it (conv, min)
/// → per-class combination (1×1 conv) → max-pool to the stride → calibration (scale, bias) → sigmoid.
/// A scratch is a strong response in one orientation only; a spot is dark against every direction with no
/// preferred one; plate edges, holes and the belt fail the "darker than both sides along its whole length"
/// test or are gated off, and stay silent.
/// </remarks>
public static class DetectorModelBuilder
{
    private const int Orientations = 8;
    private const int BlobDirections = 8;
    private const int FlankChecks = 4;      // per orientation: two halves of the line × two flanks
    private const string Date = "2026-11-26";

    // Local mean brightness (0–1) below which a surface is belt or hole, above which it is plate.
    private const double PlateGateLow = 0.3;
    private const double PlateGateHigh = 0.45;

    /// <summary>Builds the graph with metadata; save it with <see cref="OnnxGraphBuilder.Save"/>.</summary>
    public static OnnxGraphBuilder Build(ModelDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        if (design.DarkRegionSize % 2 == 0 || design.DarkRegionReach % 2 == 0)
        {
            throw new ArgumentException("The dark-region windows must have odd sizes so the output keeps its size.", nameof(design));
        }

        if (design.InputSize % design.Stride != 0)
        {
            throw new ArgumentException($"The input size {design.InputSize} must be a multiple of the stride {design.Stride}.", nameof(design));
        }

        var s = design.InputSize;
        var cells = design.GridSize * design.GridSize;
        var classes = DefectClasses.Names.Count;
        if (classes != 2)
        {
            // The per-class head below is hand-written for scratch and spot; a new class needs its own filter here
            // (or, better, the trained models that replace this one).
            throw new InvalidOperationException(
                $"The hand-designed detector scores scratch and spot only, but {classes} classes are defined: {DefectClasses.NamesMetadata}.");
        }
        var builder = new OnnxGraphBuilder("inspection-detector")
        {
            DocString = design.Description,
            ProducerVersion = design.Version,
            ModelVersion = 1,
        };
        builder.AddInput("images", 1, 3, s, s).AddOutput("output0", 1, 4 + classes, cells);

        var (greyKernel, greySize) = GreyBlurKernel(design.BlurSigma);
        builder.AddInitializer("grey.weight", greyKernel, 1, 3, greySize, greySize)
            .AddNode("Conv", ["images", "grey.weight"], ["grey"], Same(greySize));

        // Per orientation: flanks minus centre line (4 checks, see LineKernels) and the centre line itself.
        // A line counts only where its darker flank is plate-bright: inside a hole, a line running
        // radially towards the rim has flanks that reach further onto the light plate than its centre
        // and would otherwise read as a ring of faint scratches.
        var (lineKernel, lineSize) = LineKernels(design.LineLength, design.LineOffset);
        var gateSlope = (float)(1 / (PlateGateHigh - PlateGateLow));
        builder.AddInitializer("line.weight", lineKernel, Orientations * (FlankChecks + 1), 1, lineSize, lineSize)
            .AddNode("Conv", ["grey", "line.weight"], ["line.all"], Same(lineSize))
            .AddInitializer("line.split", [Orientations * (long)FlankChecks, Orientations], 2)
            .AddNode("Split", ["line.all", "line.split"], ["line.flanks", "line.centre"], OnnxAttribute.Int("axis", 1))
            .AddInitializer("line.shape", [1L, Orientations, FlankChecks, s, s], 5)
            .AddNode("Reshape", ["line.flanks", "line.shape"], ["line.flanks5d"])
            .AddNode("ReduceMin", ["line.flanks5d"], ["line.raw"], OnnxAttribute.Ints("axes", 2), OnnxAttribute.Int("keepdims", 0))
            .AddNode("Add", ["line.raw", "line.centre"], ["line.darker.flank"])
            .AddInitializer("plate.slope", [gateSlope], 1)
            .AddInitializer("plate.offset", [(float)(-PlateGateLow) * gateSlope], 1)
            .AddNode("Mul", ["line.darker.flank", "plate.slope"], ["plate.scaled"])
            .AddNode("Add", ["plate.scaled", "plate.offset"], ["plate.shifted"])
            .AddInitializer("zero", [0f])
            .AddInitializer("one", [1f])
            .AddNode("Clip", ["plate.shifted", "zero", "one"], ["plate"])
            .AddNode("Mul", ["line.raw", "plate"], ["line.on.plate"])
            // Dark regions too big to be a defect (holes, the belt): a grey closing erases thin and small dark
            // marks and keeps only those; a min-filter then widens them by the reach of the line filters. Next
            // to a hole's rim, blur makes short radial lines read as faint scratches; this gates them off.
            .AddNode("MaxPool", ["grey"], ["grey.dilated"], Window(design.DarkRegionSize))
            .AddNode("Neg", ["grey.dilated"], ["grey.dilated.neg"])
            .AddNode("MaxPool", ["grey.dilated.neg"], ["grey.closed.neg"], Window(design.DarkRegionSize))
            .AddNode("MaxPool", ["grey.closed.neg"], ["dark.near.neg"], Window(design.DarkRegionReach))
            .AddNode("Neg", ["dark.near.neg"], ["dark.near"])
            .AddNode("Mul", ["dark.near", "plate.slope"], ["clear.scaled"])
            .AddNode("Add", ["clear.scaled", "plate.offset"], ["clear.shifted"])
            .AddNode("Clip", ["clear.shifted", "zero", "one"], ["clear"])
            .AddNode("Mul", ["line.on.plate", "clear"], ["line"])
            .AddNode("ReduceMax", ["line"], ["line.max"], OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 1))
            .AddNode("ReduceMin", ["line"], ["line.min"], OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 1))
            .AddNode("Relu", ["line.min"], ["line.isotropic"]);

        var (blobKernel, blobSize) = BlobKernels(design.BlobDistance);
        builder.AddInitializer("blob.weight", blobKernel, BlobDirections, 1, blobSize, blobSize)
            .AddNode("Conv", ["grey", "blob.weight"], ["blob.directions"], Same(blobSize))
            .AddNode("ReduceMin", ["blob.directions"], ["blob"], OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 1));

        // Per class:  scratch = line.max − κ·max(line.min, 0)     (one orientation, not all)
        //             spot    = blob − γ·(line.max − line.min)    (dark all round, no orientation)
        var kappa = (float)design.ScratchIsotropyPenalty;
        var gamma = (float)design.SpotAnisotropyPenalty;
        builder.AddNode("Concat", ["line.max", "line.isotropic", "line.min", "blob"], ["features"], OnnxAttribute.Int("axis", 1))
            .AddInitializer("head.weight", [1, -kappa, 0, 0, -gamma, 0, gamma, 1], classes, 4, 1, 1)
            .AddNode("Conv", ["features", "head.weight"], ["raw.gated"])
            .AddNode("MaxPool", ["raw.gated"], ["raw.cells"],
                OnnxAttribute.Ints("kernel_shape", design.Stride, design.Stride), OnnxAttribute.Ints("strides", design.Stride, design.Stride))
            .AddInitializer("calibration.scale", [(float)design.ScratchScale, (float)design.SpotScale], 1, classes, 1, 1)
            .AddInitializer("calibration.bias", [(float)design.ScratchBias, (float)design.SpotBias], 1, classes, 1, 1)
            .AddNode("Mul", ["raw.cells", "calibration.scale"], ["logits.scaled"])
            .AddNode("Add", ["logits.scaled", "calibration.bias"], ["logits"])
            .AddNode("Sigmoid", ["logits"], ["scores.grid"])
            .AddInitializer("scores.shape", [1L, classes, cells], 3)
            .AddNode("Reshape", ["scores.grid", "scores.shape"], ["scores"])
            .AddInitializer("boxes", Boxes(design), 1, 4, cells)
            .AddNode("Concat", ["boxes", "scores"], ["output0"], OnnxAttribute.Int("axis", 1));

        builder.AddMetadata("description", design.Description)
            .AddMetadata("author", "Inspection project")
            .AddMetadata("date", Date)
            .AddMetadata("version", design.Version)
            .AddMetadata("license", "Same terms as the Inspection repository")
            .AddMetadata("stride", design.Stride.ToString(CultureInfo.InvariantCulture))
            .AddMetadata("task", "detect")
            .AddMetadata("batch", "1")
            .AddMetadata("imgsz", $"[{s}, {s}]")
            .AddMetadata("names", DefectClasses.NamesMetadata);
        return builder;
    }

    private static OnnxAttribute[] Same(int kernel)
    {
        var pad = kernel / 2;
        return [OnnxAttribute.Ints("kernel_shape", kernel, kernel), OnnxAttribute.Ints("pads", pad, pad, pad, pad)];
    }

    private static OnnxAttribute[] Window(int size) =>
        [OnnxAttribute.Ints("kernel_shape", size, size), OnnxAttribute.Ints("pads", size / 2, size / 2, size / 2, size / 2)];

    private static float[] Boxes(ModelDesign design)
    {
        var grid = design.GridSize;
        var cells = grid * grid;
        var boxes = new float[4 * cells];
        for (var row = 0; row < grid; row++)
        {
            for (var col = 0; col < grid; col++)
            {
                var i = (row * grid) + col;
                boxes[i] = (col + 0.5f) * design.Stride;
                boxes[cells + i] = (row + 0.5f) * design.Stride;
                boxes[(2 * cells) + i] = design.BoxSize;
                boxes[(3 * cells) + i] = design.BoxSize;
            }
        }

        return boxes;
    }

    private static (float[] Kernel, int Size) GreyBlurKernel(double sigma)
    {
        var radius = (int)Math.Ceiling(2.5 * sigma);
        var size = (2 * radius) + 1;
        var gauss = new double[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                gauss[(y * size) + x] = Math.Exp(-(((x - radius) * (x - radius)) + ((y - radius) * (y - radius))) / (2 * sigma * sigma));
            }
        }

        var sum = gauss.Sum();
        double[] luma = [0.299, 0.587, 0.114]; // input channels are RGB
        var kernel = new float[3 * size * size];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < gauss.Length; i++)
            {
                kernel[(c * size * size) + i] = (float)(luma[c] * gauss[i] / sum);
            }
        }

        return (kernel, size);
    }

    private static (float[] Kernel, int Size) LineKernels(double length, double offset)
    {
        var reach = Math.Sqrt((length * length / 4) + (offset * offset));
        var radius = (int)Math.Ceiling(reach) + 1;
        var size = (2 * radius) + 1;
        var plane = size * size;
        var kernel = new float[Orientations * (FlankChecks + 1) * plane];
        for (var o = 0; o < Orientations; o++)
        {
            var theta = o * Math.PI / Orientations;
            var (ux, uy) = (Math.Cos(theta), Math.Sin(theta));
            var (nx, ny) = (-uy, ux);
            var centre = new double[plane];
            AddLine(centre, size, radius, ux, uy, 0, 0, length, 1);
            Copy(centre, (Orientations * FlankChecks) + o);

            // Each half of the line against each flank beside it: a scratch is darker along its whole
            // length, while a line poking radially into a hole or off the plate edge is dark at one end only.
            for (var half = 0; half < 2; half++)
            {
                var along = (half == 0 ? -1 : 1) * length / 4;
                for (var side = 0; side < 2; side++)
                {
                    var sign = side == 0 ? 1 : -1;
                    var check = new double[plane];
                    AddLine(check, size, radius, ux, uy, (sign * offset * nx) + (along * ux), (sign * offset * ny) + (along * uy), length / 2, +1);
                    AddLine(check, size, radius, ux, uy, along * ux, along * uy, length / 2, -1);
                    Copy(check, (o * FlankChecks) + (half * 2) + side);
                }
            }
        }

        return (kernel, size);

        void Copy(double[] source, int channel)
        {
            for (var i = 0; i < plane; i++)
            {
                kernel[(channel * plane) + i] = (float)source[i];
            }
        }
    }

    private static void AddLine(double[] plane, int size, int radius, double ux, double uy, double cx, double cy, double length, double weight)
    {
        var samples = Math.Max(2, (int)Math.Ceiling(length * 2));
        for (var i = 0; i < samples; i++)
        {
            var t = (-length / 2) + ((i + 0.5) * length / samples);
            Splat(plane, size, radius, cx + (t * ux), cy + (t * uy), weight / samples);
        }
    }

    private static (float[] Kernel, int Size) BlobKernels(double distance)
    {
        var radius = (int)Math.Ceiling(distance) + 1;
        var size = (2 * radius) + 1;
        var kernel = new float[BlobDirections * size * size];
        for (var d = 0; d < BlobDirections; d++)
        {
            var phi = d * Math.Tau / BlobDirections;
            var plane = new double[size * size];
            Splat(plane, size, radius, distance * Math.Cos(phi), distance * Math.Sin(phi), 1);
            Splat(plane, size, radius, 0, 0, -1);
            for (var i = 0; i < plane.Length; i++)
            {
                kernel[(d * size * size) + i] = (float)plane[i];
            }
        }

        return (kernel, size);
    }

    /// <summary>Adds a point sample at a sub-pixel offset from the kernel centre, bilinearly.</summary>
    private static void Splat(double[] plane, int size, int radius, double x, double y, double weight)
    {
        var fx = x + radius;
        var fy = y + radius;
        var x0 = (int)Math.Floor(fx);
        var y0 = (int)Math.Floor(fy);
        var ax = fx - x0;
        var ay = fy - y0;
        Add(x0, y0, (1 - ax) * (1 - ay));
        Add(x0 + 1, y0, ax * (1 - ay));
        Add(x0, y0 + 1, (1 - ax) * ay);
        Add(x0 + 1, y0 + 1, ax * ay);

        void Add(int px, int py, double w)
        {
            if (w > 0)
            {
                plane[(py * size) + px] += weight * w;
            }
        }
    }
}
