using System.Globalization;
using System.Text;
using Inspection.ModelTools.Onnx;

namespace Inspection.ModelTools.Timing;

/// <summary>
/// Builds a graph with the layers, shapes and cost of Ultralytics YOLOv8n (about 3.15 M parameters and
/// 8.7 GFLOPs at 640) and random weights, to time inference of a production-size detector on the target
/// hardware. The weights are seeded, so a seed always gives the same bytes; its detections mean nothing,
/// and its metadata says so (<c>timing_only</c> = <c>true</c>).
/// </summary>
/// <remarks>
/// Backbone Conv, C2f and SPPF blocks; PAN neck with nearest ×2 upsampling and concatenation; decoupled
/// Detect head on strides 8, 16 and 32 with the distribution focal loss decode (softmax over 16 bins, a fixed
/// 1×1 conv with weights 0..15), anchor-relative boxes scaled by the stride, sigmoid class scores. Output
/// <c>output0</c> [1, 4 + nc, N]: cx, cy, w, h in input pixels, then the class scores, as an Ultralytics
/// export. BatchNorm is taken as folded into each conv (bias); SiLU is Sigmoid·Mul (opset 17).
/// </remarks>
public static class TimingGraphBuilder
{
    /// <summary>Where <c>build-timing</c> writes by default; git ignores <c>models/generated/</c>.</summary>
    public const string DefaultPath = "models/generated/timing/yolov8n-timing.onnx";

    /// <summary>Default weight seed.</summary>
    public const int DefaultSeed = 1;

    /// <summary>Default square input size in pixels (Ultralytics' default).</summary>
    public const int DefaultImageSize = 640;

    /// <summary>Default class count (COCO, for which Ultralytics reports YOLOv8n's size and cost).</summary>
    public const int DefaultClasses = 80;

    /// <summary>Largest stride: the input size must be a multiple of it.</summary>
    public const int MaxStride = 32;

    /// <summary>Smallest input size accepted.</summary>
    public const int MinImageSize = 32;

    /// <summary>Largest input size accepted.</summary>
    public const int MaxImageSize = 2048;

    /// <summary>Largest class count accepted.</summary>
    public const int MaxClasses = 1000;

    /// <summary>Bins of the distance distribution per box side (Ultralytics' reg_max).</summary>
    public const int RegMax = 16;

    /// <summary>Written as the <c>version</c> metadata.</summary>
    public const string Version = "1.0.0";

    // Fixed, not today's date: the file must be byte-identical for a given seed.
    private const string Date = "2026-11-26";

    private static readonly int[] Strides = [8, 16, 32];

    /// <summary>
    /// Builds the graph and its metadata. Throws <see cref="ArgumentOutOfRangeException"/> for an input size
    /// that is not a multiple of 32 in [32, 2048] or a class count outside [1, 1000].
    /// </summary>
    public static OnnxGraphBuilder Build(int seed = DefaultSeed, int imageSize = DefaultImageSize, int classes = DefaultClasses)
    {
        if (imageSize < MinImageSize || imageSize > MaxImageSize || imageSize % MaxStride != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(imageSize), imageSize, $"The input size must be a multiple of {MaxStride} between {MinImageSize} and {MaxImageSize} pixels.");
        }

        if (classes < 1 || classes > MaxClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"The class count must be between 1 and {MaxClasses}.");
        }

        var anchors = Strides.Sum(s => (imageSize / s) * (imageSize / s));
        var description = string.Create(
            CultureInfo.InvariantCulture,
            $"yolov8n-timing {imageSize}/{classes}: TIMING ONLY - random weights (seed {seed}), detections meaningless");
        var builder = new OnnxGraphBuilder("yolov8n-timing")
        {
            DocString = description,
            ProducerVersion = Version,
            ModelVersion = 1,
        };
        builder.AddInput("images", 1, 3, imageSize, imageSize).AddOutput("output0", 1, 4 + classes, anchors);
        new Network(builder, new WeightSource(seed), imageSize, classes).Write("images", "output0");

        builder.AddMetadata("description", description)
            .AddMetadata("author", "Inspection project")
            .AddMetadata("date", Date)
            .AddMetadata("version", Version)
            .AddMetadata("license", "Same terms as the Inspection repository")
            .AddMetadata("stride", MaxStride.ToString(CultureInfo.InvariantCulture))
            .AddMetadata("task", "detect")
            .AddMetadata("batch", "1")
            .AddMetadata("imgsz", string.Create(CultureInfo.InvariantCulture, $"[{imageSize}, {imageSize}]"))
            .AddMetadata("names", NamesMetadata(classes))
            .AddMetadata("timing_only", "true");
        return builder;
    }

    /// <summary>Whether <paramref name="path"/> names a timing graph (by its file name), which is generated rather than committed.</summary>
    public static bool IsTimingGraphPath(string path) =>
        string.Equals(Path.GetFileName(path), Path.GetFileName(DefaultPath), StringComparison.OrdinalIgnoreCase);

    /// <summary>The command that generates the timing graph at <paramref name="path"/>.</summary>
    public static string HowToGenerate(string path) =>
        $"The timing graph is generated, not committed (12.7 MB, over the 10 MB limit per model file); create it with: dotnet run --project models/Inspection.ModelTools -- build-timing --out \"{path}\"";

    /// <summary>Ultralytics' <c>names</c> literal for generated class names: <c>{0: 'class0', 1: 'class1', …}</c>.</summary>
    private static string NamesMetadata(int classes)
    {
        var text = new StringBuilder("{");
        for (var i = 0; i < classes; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? string.Empty : ", ")}{i}: 'class{i}'");
        }

        return text.Append('}').ToString();
    }

    /// <summary>Writes the layers into the builder, naming values after Ultralytics' module paths (<c>model.4.m.1.cv2</c>).</summary>
    private sealed class Network(OnnxGraphBuilder builder, WeightSource weights, int imageSize, int classes)
    {
        // Random weights without BatchNorm either vanish or blow up over 60 layers, so each conv's weights are
        // scaled for its input as BN would leave it: pre-activations of variance PreActivation, given the
        // second moment of the input tracked through the graph (mean field: E[(Σ w·x)²] = fan_in · Var(w) · E[x²]).
        // SiLU of N(0, 4) has E[y²] and E[y] below. At that scale SiLU's output moment grows almost in
        // proportion to its input's (exponent 1.1, against 1.17 near zero), so the errors of the estimates
        // (residual sums, max-pools) grow slowly instead of compounding: measured pre-activation variances stay
        // between 3 and 9 through the whole graph, and the class logits stay near their prior.
        private const double PreActivation = 4.0;
        private const double SiluSecondMoment = 1.757889866612266;
        private const double SiluMean = 0.605705509579228;

        // Growth of the second moment through SPPF's chained 5×5 max-pools of SiLU outputs (measured on this
        // graph): the first pool picks the largest of 25 values, the next ones widen an already smoothed map.
        private static readonly double[] MaxPoolGrowth = [3.1, 1.2, 1.2];

        // Folded BatchNorm leaves a small per-channel offset.
        private const double BiasBound = 0.05;

        private readonly Dictionary<string, Moments> _moments = new(StringComparer.Ordinal);

        public void Write(string input, string output)
        {
            // Letterboxed RGB in [0, 1]: about uniform, E[x²] = 1/3.
            _moments[input] = new Moments(1.0 / 3.0, 0.5, 3);
            var x = Conv("model.0", input, 3, 16, 3, 2);
            x = Conv("model.1", x, 16, 32, 3, 2);
            x = C2f("model.2", x, 32, 32, 1, shortcut: true);
            x = Conv("model.3", x, 32, 64, 3, 2);
            var p3Backbone = C2f("model.4", x, 64, 64, 2, shortcut: true);
            x = Conv("model.5", p3Backbone, 64, 128, 3, 2);
            var p4Backbone = C2f("model.6", x, 128, 128, 2, shortcut: true);
            x = Conv("model.7", p4Backbone, 128, 256, 3, 2);
            x = C2f("model.8", x, 256, 256, 1, shortcut: true);
            var p5Backbone = Sppf("model.9", x, 256, 256);

            x = Upsample("model.10", p5Backbone);
            x = Concat("model.11", 1, x, p4Backbone);
            var p4Top = C2f("model.12", x, 256 + 128, 128, 1, shortcut: false);
            x = Upsample("model.13", p4Top);
            x = Concat("model.14", 1, x, p3Backbone);
            var p3 = C2f("model.15", x, 128 + 64, 64, 1, shortcut: false);
            x = Conv("model.16", p3, 64, 64, 3, 2);
            x = Concat("model.17", 1, x, p4Top);
            var p4 = C2f("model.18", x, 64 + 128, 128, 1, shortcut: false);
            x = Conv("model.19", p4, 128, 128, 3, 2);
            x = Concat("model.20", 1, x, p5Backbone);
            var p5 = C2f("model.21", x, 128 + 256, 256, 1, shortcut: false);

            Detect("model.22", [p3, p4, p5], [64, 128, 256], output);
        }

        /// <summary>Conv (BN folded) + SiLU.</summary>
        private string Conv(string name, string x, int inChannels, int outChannels, int kernel, int stride)
        {
            PlainConv(name, x, $"{name}.conv", inChannels, outChannels, kernel, stride, PreActivation, weights.Uniform(outChannels, BiasBound));
            builder.AddNode("Sigmoid", [$"{name}.conv"], [$"{name}.gate"])
                .AddNode("Mul", [$"{name}.conv", $"{name}.gate"], [name]);
            _moments[name] = new Moments(SiluSecondMoment, SiluMean, outChannels);
            return name;
        }

        /// <summary>Conv with weights uniform in ±√(3·v / (fan_in·E[x²])), giving pre-activations of variance v.</summary>
        private void PlainConv(string name, string x, string output, int inChannels, int outChannels, int kernel, int stride, double variance, float[] bias)
        {
            var input = _moments[x];
            if (input.Channels != inChannels)
            {
                throw new InvalidOperationException($"{name} expects {inChannels} input channels but '{x}' has {input.Channels}.");
            }

            var fanIn = inChannels * kernel * kernel;
            var pad = kernel / 2;
            var bound = Math.Sqrt(3.0 * variance / (fanIn * input.SecondMoment));
            builder.AddInitializer($"{name}.weight", weights.Uniform(outChannels * fanIn, bound), outChannels, inChannels, kernel, kernel)
                .AddInitializer($"{name}.bias", bias, outChannels)
                .AddNode("Conv", [x, $"{name}.weight", $"{name}.bias"], [output],
                    OnnxAttribute.Ints("kernel_shape", kernel, kernel),
                    OnnxAttribute.Ints("strides", stride, stride),
                    OnnxAttribute.Ints("pads", pad, pad, pad, pad));
        }

        /// <summary>CSP bottleneck with two convolutions: cv1 split in halves, n bottlenecks on the second half, all concatenated, cv2.</summary>
        private string C2f(string name, string x, int inChannels, int outChannels, int n, bool shortcut)
        {
            var hidden = outChannels / 2;
            var cv1 = Conv($"{name}.cv1", x, inChannels, 2 * hidden, 1, 1);
            builder.AddInitializer($"{name}.split", [hidden, hidden], 2)
                .AddNode("Split", [cv1, $"{name}.split"], [$"{name}.y0", $"{name}.y1"], OnnxAttribute.Int("axis", 1));
            _moments[$"{name}.y0"] = _moments[$"{name}.y1"] = _moments[cv1] with { Channels = hidden };
            var parts = new List<string> { $"{name}.y0", $"{name}.y1" };
            for (var i = 0; i < n; i++)
            {
                parts.Add(Bottleneck($"{name}.m.{i}", parts[^1], hidden, shortcut));
            }

            var concat = Concat($"{name}.cat", 1, [.. parts]);
            return Conv($"{name}.cv2", concat, (2 + n) * hidden, outChannels, 1, 1);
        }

        private string Bottleneck(string name, string x, int channels, bool shortcut)
        {
            var a = Conv($"{name}.cv1", x, channels, channels, 3, 1);
            var b = Conv($"{name}.cv2", a, channels, channels, 3, 1);
            if (!shortcut)
            {
                return b;
            }

            builder.AddNode("Add", [x, b], [$"{name}.add"]);
            var (mx, mb) = (_moments[x], _moments[b]);
            _moments[$"{name}.add"] = new Moments(mx.SecondMoment + mb.SecondMoment + (2 * mx.Mean * mb.Mean), mx.Mean + mb.Mean, channels);
            return $"{name}.add";
        }

        /// <summary>Spatial pyramid pooling, fast: cv1, three chained 5×5 max-pools, concatenated, cv2.</summary>
        private string Sppf(string name, string x, int inChannels, int outChannels)
        {
            var hidden = inChannels / 2;
            var cv1 = Conv($"{name}.cv1", x, inChannels, hidden, 1, 1);
            var pooled = new List<string> { cv1 };
            for (var i = 0; i < 3; i++)
            {
                var next = $"{name}.m.{i}";
                builder.AddNode("MaxPool", [pooled[^1]], [next],
                    OnnxAttribute.Ints("kernel_shape", 5, 5),
                    OnnxAttribute.Ints("strides", 1, 1),
                    OnnxAttribute.Ints("pads", 2, 2, 2, 2));
                var before = _moments[pooled[^1]];
                _moments[next] = new Moments(before.SecondMoment * MaxPoolGrowth[i], before.Mean * Math.Sqrt(MaxPoolGrowth[i]), before.Channels);
                pooled.Add(next);
            }

            var concat = Concat($"{name}.cat", 1, [.. pooled]);
            return Conv($"{name}.cv2", concat, 4 * hidden, outChannels, 1, 1);
        }

        private string Upsample(string name, string x)
        {
            builder.AddInitializer($"{name}.scales", [1f, 1f, 2f, 2f], 4)
                .AddNode("Resize", [x, string.Empty, $"{name}.scales"], [name],
                    OnnxAttribute.String("mode", "nearest"),
                    OnnxAttribute.String("coordinate_transformation_mode", "asymmetric"),
                    OnnxAttribute.String("nearest_mode", "floor"));
            _moments[name] = _moments[x];
            return name;
        }

        private string Concat(string name, long axis, params string[] inputs)
        {
            builder.AddNode("Concat", inputs, [name], OnnxAttribute.Int("axis", axis));
            if (inputs.All(_moments.ContainsKey))
            {
                var parts = inputs.Select(i => _moments[i]).ToList();
                var channels = parts.Sum(p => p.Channels);
                _moments[name] = new Moments(
                    parts.Sum(p => p.SecondMoment * p.Channels) / channels, parts.Sum(p => p.Mean * p.Channels) / channels, channels);
            }

            return name;
        }

        /// <summary>
        /// Decoupled head per level (box: 2 Conv + 1×1 to 4·16 bins; class: 2 Conv + 1×1 to nc), then the decode:
        /// DFL expectation per side, (l, t, r, b) around the anchor point to (cx, cy, w, h) × stride, sigmoid scores.
        /// </summary>
        private void Detect(string name, string[] levels, int[] channels, string output)
        {
            var boxChannels = Math.Max(Math.Max(16, channels[0] / 4), 4 * RegMax);
            var classChannels = Math.Max(channels[0], Math.Min(classes, 100));
            var perAnchor = (4 * RegMax) + classes;
            var flattened = new string[levels.Length];
            for (var i = 0; i < levels.Length; i++)
            {
                var cells = (imageSize / Strides[i]) * (imageSize / Strides[i]);
                var box = Conv($"{name}.cv2.{i}.0", levels[i], channels[i], boxChannels, 3, 1);
                box = Conv($"{name}.cv2.{i}.1", box, boxChannels, boxChannels, 3, 1);
                PlainConv($"{name}.cv2.{i}.2", box, $"{name}.cv2.{i}.2", boxChannels, 4 * RegMax, 1, 1, 1.0, Filled(4 * RegMax, 1f));

                var cls = Conv($"{name}.cv3.{i}.0", levels[i], channels[i], classChannels, 3, 1);
                cls = Conv($"{name}.cv3.{i}.1", cls, classChannels, classChannels, 3, 1);

                // Ultralytics' prior: about 5 objects per image spread over the classes, so a random
                // network scores near zero, as a trained one does on a clean frame.
                var classPrior = (float)Math.Log(5.0 / classes / Math.Pow(640.0 / Strides[i], 2));
                PlainConv($"{name}.cv3.{i}.2", cls, $"{name}.cv3.{i}.2", classChannels, classes, 1, 1, 1.0, Filled(classes, classPrior));

                Concat($"{name}.level{i}", 1, $"{name}.cv2.{i}.2", $"{name}.cv3.{i}.2");
                builder.AddInitializer($"{name}.level{i}.shape", [1L, perAnchor, cells], 3)
                    .AddNode("Reshape", [$"{name}.level{i}", $"{name}.level{i}.shape"], [$"{name}.level{i}.flat"]);
                flattened[i] = $"{name}.level{i}.flat";
            }

            var anchorCount = Strides.Sum(s => (imageSize / s) * (imageSize / s));
            Concat($"{name}.cat", 2, flattened);
            builder.AddInitializer($"{name}.split", [4L * RegMax, classes], 2)
                .AddNode("Split", [$"{name}.cat", $"{name}.split"], [$"{name}.box", $"{name}.cls"], OnnxAttribute.Int("axis", 1));

            // DFL: expected distance per side = Σ softmax(bins) · bin index, as a fixed 1×1 conv over the bins.
            var bins = Enumerable.Range(0, RegMax).Select(b => (float)b).ToArray();
            builder.AddInitializer($"{name}.dfl.shape", [1L, 4, RegMax, anchorCount], 4)
                .AddNode("Reshape", [$"{name}.box", $"{name}.dfl.shape"], [$"{name}.dfl.sides"])
                .AddNode("Transpose", [$"{name}.dfl.sides"], [$"{name}.dfl.bins"], OnnxAttribute.Ints("perm", 0, 2, 1, 3))
                .AddNode("Softmax", [$"{name}.dfl.bins"], [$"{name}.dfl.softmax"], OnnxAttribute.Int("axis", 1))
                .AddInitializer($"{name}.dfl.conv.weight", bins, 1, RegMax, 1, 1)
                .AddNode("Conv", [$"{name}.dfl.softmax", $"{name}.dfl.conv.weight"], [$"{name}.dfl.conv"])
                .AddInitializer($"{name}.dfl.out.shape", [1L, 4, anchorCount], 3)
                .AddNode("Reshape", [$"{name}.dfl.conv", $"{name}.dfl.out.shape"], [$"{name}.dfl"]);

            // dist2bbox: x1y1 = anchor − lt, x2y2 = anchor + rb; centre and size, then × stride.
            var (anchorPoints, anchorStrides) = AnchorGrid(anchorCount);
            builder.AddInitializer($"{name}.ltrb.split", [2L, 2L], 2)
                .AddNode("Split", [$"{name}.dfl", $"{name}.ltrb.split"], [$"{name}.lt", $"{name}.rb"], OnnxAttribute.Int("axis", 1))
                .AddInitializer($"{name}.anchors", anchorPoints, 1, 2, anchorCount)
                .AddInitializer($"{name}.strides", anchorStrides, 1, 1, anchorCount)
                .AddInitializer($"{name}.half", [0.5f], 1)
                .AddNode("Sub", [$"{name}.anchors", $"{name}.lt"], [$"{name}.x1y1"])
                .AddNode("Add", [$"{name}.anchors", $"{name}.rb"], [$"{name}.x2y2"])
                .AddNode("Add", [$"{name}.x1y1", $"{name}.x2y2"], [$"{name}.corner.sum"])
                .AddNode("Mul", [$"{name}.corner.sum", $"{name}.half"], [$"{name}.cxcy"])
                .AddNode("Sub", [$"{name}.x2y2", $"{name}.x1y1"], [$"{name}.wh"])
                .AddNode("Concat", [$"{name}.cxcy", $"{name}.wh"], [$"{name}.xywh"], OnnxAttribute.Int("axis", 1))
                .AddNode("Mul", [$"{name}.xywh", $"{name}.strides"], [$"{name}.dbox"])
                .AddNode("Sigmoid", [$"{name}.cls"], [$"{name}.scores"])
                .AddNode("Concat", [$"{name}.dbox", $"{name}.scores"], [output], OnnxAttribute.Int("axis", 1));
        }

        /// <summary>Cell centres in grid units (x + 0.5, y + 0.5), row-major per level, and each anchor's stride.</summary>
        private (float[] Points, float[] Strides) AnchorGrid(int anchorCount)
        {
            var points = new float[2 * anchorCount];
            var strides = new float[anchorCount];
            var a = 0;
            foreach (var stride in TimingGraphBuilder.Strides)
            {
                var grid = imageSize / stride;
                for (var y = 0; y < grid; y++)
                {
                    for (var x = 0; x < grid; x++, a++)
                    {
                        points[a] = x + 0.5f;
                        points[anchorCount + a] = y + 0.5f;
                        strides[a] = stride;
                    }
                }
            }

            return (points, strides);
        }

        /// <summary>Second moment E[x²], mean and channel count of a value, averaged over its elements.</summary>
        private readonly record struct Moments(double SecondMoment, double Mean, int Channels);

        private static float[] Filled(int count, float value)
        {
            var values = new float[count];
            Array.Fill(values, value);
            return values;
        }
    }
}
