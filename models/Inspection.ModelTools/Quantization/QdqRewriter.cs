using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// Writes the QDQ form of an fp32 model: each planned activation gets an int8 (symmetric) or uint8 (asymmetric) QuantizeLinear → DequantizeLinear
/// pair right after its producer, read by every consumer; each planned Conv reads int8 per-output-channel weights
/// and an int32 bias through DequantizeLinear (axis 0). ONNX Runtime fuses DQ → Conv → Q into QLinearConv;
/// TensorRT reads the same nodes as explicit int8 precision. Everything else is copied unchanged.
/// </summary>
internal sealed class QdqRewriter
{
    private const float WeightLimit = 127f;

    private readonly QuantizationPlan _plan;
    private readonly IReadOnlyDictionary<string, ActivationRange> _ranges;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<TensorProto> _initializers = [];
    private readonly Dictionary<string, NodeProto[]> _pairs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _dequantized = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float> _scales = new(StringComparer.Ordinal);

    private readonly ActivationType _activations;

    private QdqRewriter(ModelProto model, QuantizationPlan plan, IReadOnlyDictionary<string, ActivationRange> ranges, ActivationType activations)
    {
        _activations = activations;
        _plan = plan;
        _ranges = ranges;
        var graph = model.Graph;
        _names.UnionWith(graph.Input.Select(i => i.Name));
        _names.UnionWith(graph.Output.Select(o => o.Name));
        _names.UnionWith(graph.Initializer.Select(i => i.Name));
        _names.UnionWith(graph.ValueInfo.Select(v => v.Name));
        _names.UnionWith(graph.Node.SelectMany(n => n.Output.Append(n.Name)));
    }

    /// <summary>Returns the quantized copy of <paramref name="model"/>; <paramref name="model"/> is not changed.</summary>
    public static ModelProto Rewrite(
        ModelProto model, QuantizationPlan plan, IReadOnlyDictionary<string, ActivationRange> ranges, ActivationType activations, string quantizationNote) =>
        new QdqRewriter(model, plan, ranges, activations).Build(model, quantizationNote);

    private ModelProto Build(ModelProto source, string quantizationNote)
    {
        foreach (var activation in _plan.Activations)
        {
            AddActivationPair(activation);
        }

        var convs = new Dictionary<NodeProto, ConvTarget>(ReferenceEqualityComparer.Instance);
        foreach (var conv in _plan.Convs)
        {
            convs[conv.Node] = conv;
        }

        var nodes = new List<NodeProto>();
        foreach (var input in source.Graph.Input)
        {
            if (_pairs.TryGetValue(input.Name, out var pair))
            {
                nodes.AddRange(pair);
            }
        }

        foreach (var original in source.Graph.Node)
        {
            var node = original.Clone();
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (_dequantized.TryGetValue(node.Input[i], out var dequantized))
                {
                    node.Input[i] = dequantized;
                }
            }

            if (convs.TryGetValue(original, out var target))
            {
                QuantizeConv(target, node, nodes);
            }

            nodes.Add(node);
            foreach (var output in node.Output)
            {
                if (_pairs.TryGetValue(output, out var pair))
                {
                    nodes.AddRange(pair);
                }
            }
        }

        var model = source.Clone();
        var graph = model.Graph;
        graph.Node.Clear();
        graph.Node.AddRange(nodes);

        // The fp32 weights and biases go unless something else still reads them.
        var read = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var replaced = _plan.Convs.SelectMany(c => c.Bias is null ? [c.Weight.Name] : new[] { c.Weight.Name, c.Bias.Name }).ToHashSet(StringComparer.Ordinal);
        var kept = graph.Initializer.Where(t => !replaced.Contains(t.Name) || read.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);
        graph.Initializer.AddRange(_initializers);

        // The description is what a fleet view shows as the model's name: say it is the quantized one.
        if (model.MetadataProps.FirstOrDefault(p => p.Key == "description") is { } description && !description.Value.EndsWith(" int8", StringComparison.Ordinal))
        {
            description.Value += " int8";
        }

        var note = model.MetadataProps.FirstOrDefault(p => p.Key == "quantization");
        if (note is null)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = "quantization", Value = quantizationNote });
        }
        else
        {
            note.Value = quantizationNote;
        }

        return model;
    }

    private void AddActivationPair(string tensor)
    {
        var range = _ranges[tensor];
        var (scale, zeroPoint) = _activations == ActivationType.UInt8 ? range.ToUInt8() : (range.ToInt8Scale(), (byte)0);
        var scaleName = Unique($"{tensor}_scale");
        var zeroPointName = Unique($"{tensor}_zero_point");
        var quantizedName = Unique($"{tensor}_quantized");
        var dequantizedName = Unique($"{tensor}_dequantized");
        _initializers.Add(QdqTensors.Floats(scaleName, [scale]));
        _initializers.Add(_activations == ActivationType.UInt8
            ? QdqTensors.UInt8(zeroPointName, [zeroPoint])
            : QdqTensors.Int8(zeroPointName, [0]));
        _pairs[tensor] =
        [
            Node("QuantizeLinear", [tensor, scaleName, zeroPointName], quantizedName, Unique($"{tensor}_QuantizeLinear")),
            Node("DequantizeLinear", [quantizedName, scaleName, zeroPointName], dequantizedName, Unique($"{tensor}_DequantizeLinear")),
        ];
        _dequantized[tensor] = dequantizedName;
        _scales[tensor] = scale;
    }

    /// <summary>
    /// Symmetric int8 weights per output channel (scale max|w| / 127, zero point 0) and an int32 bias on the
    /// scale input scale × weight scale, the scale the integer accumulator of QLinearConv already has.
    /// </summary>
    private void QuantizeConv(ConvTarget target, NodeProto node, List<NodeProto> nodes)
    {
        var weights = QdqTensors.ReadFloats(target.Weight);
        var channels = target.OutputChannels;
        var perChannel = weights.Length / channels;
        var bias = target.Bias is null ? null : QdqTensors.ReadFloats(target.Bias);
        if (bias is not null && bias.Length != channels)
        {
            throw new QuantizationException($"Conv '{target.Node.Name}' has {channels} output channels but its bias '{target.Bias!.Name}' holds {bias.Length} values.");
        }

        var inputScale = _scales[target.Input];
        var weightScales = new float[channels];
        var quantizedWeights = new sbyte[weights.Length];
        for (var c = 0; c < channels; c++)
        {
            var channel = weights.AsSpan(c * perChannel, perChannel);
            var absMax = 0f;
            foreach (var w in channel)
            {
                absMax = Math.Max(absMax, Math.Abs(w));
            }

            var scale = absMax > 0 ? absMax / WeightLimit : 1f;
            if (bias is not null)
            {
                // A bias far larger than the weights could overflow int32 on the accumulator's scale; a coarser
                // weight step keeps it representable (never the case for trained detectors, but never wrong).
                scale = Math.Max(scale, (float)(Math.Abs(bias[c]) / ((double)inputScale * int.MaxValue)));
            }

            weightScales[c] = scale;
            for (var k = 0; k < perChannel; k++)
            {
                var q = Math.Round(channel[k] / (double)scale, MidpointRounding.ToEven);
                quantizedWeights[(c * perChannel) + k] = (sbyte)Math.Clamp(q, -WeightLimit, WeightLimit);
            }
        }

        var weightName = target.Weight.Name;
        var dims = target.Weight.Dims.ToArray();
        node.Input[1] = AddPerChannel(
            nodes,
            weightName,
            QdqTensors.Int8(Unique($"{weightName}_quantized"), quantizedWeights, dims),
            weightScales,
            QdqTensors.Int8(Unique($"{weightName}_zero_point"), new sbyte[channels], channels));

        if (bias is not null)
        {
            var biasName = target.Bias!.Name;
            var biasScales = new float[channels];
            var quantizedBias = new int[channels];
            for (var c = 0; c < channels; c++)
            {
                biasScales[c] = inputScale * weightScales[c];
                var q = Math.Round(bias[c] / (double)biasScales[c], MidpointRounding.ToEven);
                quantizedBias[c] = (int)Math.Clamp(q, -int.MaxValue, int.MaxValue);
            }

            node.Input[2] = AddPerChannel(
                nodes,
                biasName,
                QdqTensors.Int32(Unique($"{biasName}_quantized"), quantizedBias, channels),
                biasScales,
                QdqTensors.Int32(Unique($"{biasName}_zero_point"), new int[channels], channels));
        }
    }

    private string AddPerChannel(List<NodeProto> nodes, string name, TensorProto quantized, float[] scales, TensorProto zeroPoint)
    {
        var scale = QdqTensors.Floats(Unique($"{name}_scale"), scales, scales.Length);
        var dequantized = Unique($"{name}_dequantized");
        _initializers.Add(quantized);
        _initializers.Add(scale);
        _initializers.Add(zeroPoint);
        var node = Node("DequantizeLinear", [quantized.Name, scale.Name, zeroPoint.Name], dequantized, Unique($"{name}_DequantizeLinear"));
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        nodes.Add(node);
        return dequantized;
    }

    private static NodeProto Node(string opType, string[] inputs, string output, string name)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private string Unique(string wanted)
    {
        var name = wanted;
        for (var n = 1; !_names.Add(name); n++)
        {
            name = $"{wanted}_{n}";
        }

        return name;
    }
}
