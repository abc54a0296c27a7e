using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// Which Convs of an fp32 model get quantized and which activation tensors therefore need a calibrated range.
/// Every Conv with constant weights is quantized except those of the box decoding: a node fed, directly or not,
/// by a Softplus or Softmax (the fixed ltrb→xywh 1×1 Conv here, DFL in Ultralytics exports) stays float,
/// because it turns distances into pixel coordinates and a uint8 step there is a visible box error.
/// </summary>
internal sealed class QuantizationPlan
{
    private static readonly HashSet<string> QuantizedOps = new(StringComparer.Ordinal)
    {
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger",
    };

    /// <summary>
    /// Lower end of the range of a tensor only SiLU reads: SiLU(x) is within 0.003 of 0 below it, less than a
    /// uint8 step of any SiLU output, so the values under it need no grid points of their own.
    /// </summary>
    private const float SiluFloor = -8f;

    private static readonly HashSet<string> DecodeStarts = new(StringComparer.Ordinal) { "Softplus", "Softmax" };

    private readonly HashSet<string> _siluInputs;

    private QuantizationPlan(
        IReadOnlyList<ConvTarget> convs, int floatConvs, IReadOnlyList<string> activations, HashSet<string> siluInputs, string inputName, int width, int height)
    {
        _siluInputs = siluInputs;
        Convs = convs;
        FloatConvs = floatConvs;
        Activations = activations;
        InputName = inputName;
        InputWidth = width;
        InputHeight = height;
    }

    public IReadOnlyList<ConvTarget> Convs { get; }

    /// <summary>Convs left in float (box decoding, and those asked for).</summary>
    public int FloatConvs { get; }

    /// <summary>Tensors that get a QuantizeLinear/DequantizeLinear pair, in graph order: the quantized Convs' inputs (and outputs, for ONNX Runtime's fusion).</summary>
    public IReadOnlyList<string> Activations { get; }

    public string InputName { get; }

    public int InputWidth { get; }

    public int InputHeight { get; }

    /// <summary>
    /// The range a tensor is quantized over: the measured one, except that a Conv output read only by SiLU
    /// (Sigmoid and Mul, as exported) drops the deep negative tail SiLU flattens to 0. Those pre-activations reach
    /// −40 in trained detectors, and spending half the uint8 grid on them doubled the step on the values that matter.
    /// </summary>
    public ActivationRange Fit(string tensor, ActivationRange measured) =>
        _siluInputs.Contains(tensor) ? measured with { Min = Math.Max(measured.Min, SiluFloor) } : measured;

    /// <param name="model">The fp32 model.</param>
    /// <param name="modelPath">Its path, for messages.</param>
    /// <param name="keepFloat">Conv node or output names to leave in float.</param>
    /// <param name="quantizeOutputs">
    /// Also quantize each Conv's output. ONNX Runtime's CPU provider needs it to fuse DQ → Conv → Q into QLinearConv;
    /// TensorRT does not: it fuses Conv, bias and SiLU itself and quantizes where the next Conv reads, so Q/DQ only
    /// at Conv inputs (NVIDIA's recommended placement) spares every layer one rounding.
    /// </param>
    public static QuantizationPlan Create(ModelProto model, string modelPath, IReadOnlyCollection<string>? keepFloat = null, bool quantizeOutputs = true)
    {
        var graph = model.Graph;
        var name = Path.GetFileName(modelPath);
        var quantized = graph.Node.FirstOrDefault(n => QuantizedOps.Contains(n.OpType));
        if (quantized is not null)
        {
            throw new QuantizationException($"'{name}' is already quantized (it contains {quantized.OpType} node '{quantized.Name}'); quantize the fp32 model instead.");
        }

        if (!graph.Node.Any(IsConv))
        {
            throw new QuantizationException($"'{name}' has no Conv node; the quantizer only quantizes convolutional detectors.");
        }

        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var (inputName, width, height) = ReadInput(graph, initializers, name);

        var decode = new HashSet<string>(StringComparer.Ordinal);
        var convs = new List<ConvTarget>();
        var floatConvs = 0;
        foreach (var node in graph.Node)
        {
            var inDecode = DecodeStarts.Contains(node.OpType) || node.Input.Any(decode.Contains);
            if (inDecode)
            {
                decode.UnionWith(node.Output);
            }

            if (!IsConv(node))
            {
                continue;
            }

            var kept = keepFloat is not null && (keepFloat.Contains(node.Name) || node.Output.Any(keepFloat.Contains));
            var target = inDecode || kept ? null : Target(node, initializers);
            if (target is null)
            {
                floatConvs++;
            }
            else
            {
                convs.Add(target);
            }
        }

        var unknown = keepFloat?.Where(k => !graph.Node.Any(n => IsConv(n) && (n.Name == k || n.Output.Contains(k)))).ToList();
        if (unknown is { Count: > 0 })
        {
            throw new QuantizationException($"'{name}' has no Conv named {string.Join(", ", unknown.Select(u => $"'{u}'"))} (--keep-float takes Conv node or output names).");
        }

        if (convs.Count == 0)
        {
            throw new QuantizationException($"'{name}' has no Conv with constant float weights outside the box decoding; nothing to quantize.");
        }

        var activations = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var conv in convs)
        {
            foreach (var tensor in quantizeOutputs ? new[] { conv.Input, conv.Output } : [conv.Input])
            {
                if (seen.Add(tensor))
                {
                    activations.Add(tensor);
                }
            }
        }

        var siluInputs = convs.Select(c => c.Output).Where(o => OnlySilu(graph, o)).ToHashSet(StringComparer.Ordinal);
        return new QuantizationPlan(convs, floatConvs, activations, siluInputs, inputName, width, height);
    }

    /// <summary>True when <paramref name="tensor"/> feeds exactly one Sigmoid and Muls of itself by that Sigmoid, and nothing else.</summary>
    private static bool OnlySilu(GraphProto graph, string tensor)
    {
        var consumers = graph.Node.Where(n => n.Input.Contains(tensor)).ToList();
        var sigmoids = consumers.Where(n => n.OpType == "Sigmoid").ToList();
        if (sigmoids.Count != 1 || graph.Output.Any(o => o.Name == tensor))
        {
            return false;
        }

        var gate = sigmoids[0].Output[0];
        return consumers.All(n => n == sigmoids[0]
            || (n.OpType == "Mul" && n.Input.Count == 2 && n.Input.Contains(tensor) && n.Input.Contains(gate)));
    }

    private static bool IsConv(NodeProto node) => node.OpType == "Conv" && node.Domain is "" or "ai.onnx";

    private static ConvTarget? Target(NodeProto node, Dictionary<string, TensorProto> initializers)
    {
        if (node.Input.Count < 2 || node.Output.Count != 1 || initializers.ContainsKey(node.Input[0])
            || !initializers.TryGetValue(node.Input[1], out var weight)
            || weight.DataType != (int)TensorProto.Types.DataType.Float || weight.Dims.Count < 3)
        {
            return null;
        }

        TensorProto? bias = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0
            && (!initializers.TryGetValue(node.Input[2], out bias) || bias.DataType != (int)TensorProto.Types.DataType.Float))
        {
            return null;
        }

        return new ConvTarget(node, weight, bias);
    }

    private static (string Name, int Width, int Height) ReadInput(GraphProto graph, Dictionary<string, TensorProto> initializers, string fileName)
    {
        var inputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new QuantizationException($"'{fileName}' has {inputs.Count} inputs; the quantizer calibrates models with one image input.");
        }

        var input = inputs[0];
        var tensor = input.Type?.TensorType;
        var dims = tensor?.Shape?.Dim;
        if (tensor is null || tensor.ElemType != (int)TensorProto.Types.DataType.Float || dims is null || dims.Count != 4
            || dims[1].DimValue != 3 || dims[2].DimValue <= 0 || dims[3].DimValue <= 0)
        {
            throw new QuantizationException($"'{fileName}' input '{input.Name}' is not a float [N, 3, H, W] image with a fixed size.");
        }

        return (input.Name, checked((int)dims[3].DimValue), checked((int)dims[2].DimValue));
    }
}
