using System.Buffers.Binary;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Timing;

/// <summary>
/// Counts the parameters and multiply-adds of the Conv nodes of an ONNX model, the way Ultralytics reports a
/// model's size and GFLOPs. Conv cost needs each Conv's output size, so shapes are propagated from the
/// (fixed-size) graph inputs through the operators a convolutional detector uses; any other operator is
/// reported by name rather than guessed.
/// </summary>
public static class OnnxCostCounter
{
    /// <summary>Counts the model in the file at <paramref name="path"/>.</summary>
    public static GraphCost Count(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Count(ModelProto.Parser.ParseFrom(stream));
    }

    /// <summary>
    /// Counts <paramref name="model"/>. Throws <see cref="NotSupportedException"/> for an operator whose output
    /// shape it cannot work out, and <see cref="InvalidDataException"/> for a graph whose shapes do not fit.
    /// </summary>
    public static GraphCost Count(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new InvalidDataException("The model has no graph.");
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer)
        {
            initializers[tensor.Name] = tensor;
            shapes[tensor.Name] = [.. tensor.Dims];
        }

        foreach (var input in graph.Input.Where(i => !initializers.ContainsKey(i.Name)))
        {
            shapes[input.Name] = InputShape(input);
        }

        long parameters = 0;
        long multiplyAdds = 0;
        var convNodes = 0;
        var counted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            var inputs = node.Input.Select(name => name.Length == 0 ? null : Shape(shapes, name, node)).ToArray();
            switch (node.OpType)
            {
                case "Conv":
                    var (output, macs) = Conv(node, inputs);
                    shapes[node.Output[0]] = output;
                    multiplyAdds += macs;
                    convNodes++;
                    foreach (var name in node.Input.Skip(1).Where(n => n.Length > 0 && counted.Add(n)))
                    {
                        parameters += Elements(shapes[name]);
                    }

                    break;
                case "MaxPool" or "AveragePool":
                    shapes[node.Output[0]] = Pool(node, inputs[0]!);
                    break;
                case "Sigmoid" or "Relu" or "Tanh" or "Softmax" or "Identity" or "LeakyRelu" or "HardSigmoid" or "HardSwish":
                    shapes[node.Output[0]] = inputs[0]!;
                    break;
                case "Add" or "Sub" or "Mul" or "Div" or "Pow":
                    shapes[node.Output[0]] = Broadcast(node, inputs[0]!, inputs[1]!);
                    break;
                case "Concat":
                    shapes[node.Output[0]] = Concat(node, inputs!);
                    break;
                case "Split":
                    Split(node, inputs[0]!, initializers, shapes);
                    break;
                case "Reshape":
                    shapes[node.Output[0]] = Reshape(node, inputs[0]!, Int64Values(initializers, node.Input[1], node));
                    break;
                case "Transpose":
                    var perm = IntsAttribute(node, "perm") ?? [.. Enumerable.Range(0, inputs[0]!.Length).Reverse().Select(i => (long)i)];
                    shapes[node.Output[0]] = [.. perm.Select(p => inputs[0]![p])];
                    break;
                case "Resize":
                    shapes[node.Output[0]] = Resize(node, inputs[0]!, initializers);
                    break;
                default:
                    throw new NotSupportedException($"The cost counter does not know the output shape of {node.OpType} (node '{node.Name}').");
            }
        }

        return new GraphCost(parameters, multiplyAdds, convNodes);
    }

    private static long[] InputShape(ValueInfoProto input)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim
            ?? throw new InvalidDataException($"The graph input '{input.Name}' has no tensor shape.");
        return [.. dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
            ? d.DimValue
            : throw new InvalidDataException($"The graph input '{input.Name}' has a symbolic size; the cost is counted for fixed sizes only."))];
    }

    private static long[] Shape(Dictionary<string, long[]> shapes, string name, NodeProto node) =>
        shapes.TryGetValue(name, out var shape)
            ? shape
            : throw new InvalidDataException($"The {node.OpType} node '{node.Name}' reads '{name}', which nothing before it produces.");

    private static (long[] Output, long MultiplyAdds) Conv(NodeProto node, long[]?[] inputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var group = IntAttribute(node, "group") ?? 1;
        if (x.Length != 4 || w.Length != 4 || x[1] != w[1] * group)
        {
            throw new InvalidDataException(
                $"The Conv node '{node.Name}' has input [{string.Join(", ", x)}] and weight [{string.Join(", ", w)}] (group {group}), which do not fit.");
        }

        var spatial = Spatial(node, x, [w[2], w[3]]);
        long[] output = [x[0], w[0], spatial[0], spatial[1]];
        return (output, Elements(output) * w[1] * w[2] * w[3]);
    }

    private static long[] Pool(NodeProto node, long[] x)
    {
        var kernel = IntsAttribute(node, "kernel_shape") ?? throw new InvalidDataException($"The {node.OpType} node '{node.Name}' has no kernel_shape.");
        var spatial = Spatial(node, x, kernel);
        return [x[0], x[1], spatial[0], spatial[1]];
    }

    private static long[] Spatial(NodeProto node, long[] x, long[] kernel)
    {
        if (node.Attribute.FirstOrDefault(a => a.Name == "auto_pad") is { } autoPad && autoPad.S.ToStringUtf8() is not ("NOTSET" or ""))
        {
            throw new NotSupportedException($"The {node.OpType} node '{node.Name}' uses auto_pad; the cost counter needs explicit pads.");
        }

        var strides = IntsAttribute(node, "strides") ?? [1, 1];
        var pads = IntsAttribute(node, "pads") ?? [0, 0, 0, 0];
        var dilations = IntsAttribute(node, "dilations") ?? [1, 1];
        var result = new long[2];
        for (var axis = 0; axis < 2; axis++)
        {
            var extent = ((kernel[axis] - 1) * dilations[axis]) + 1;
            result[axis] = ((x[2 + axis] + pads[axis] + pads[2 + axis] - extent) / strides[axis]) + 1;
        }

        return result;
    }

    private static long[] Broadcast(NodeProto node, long[] a, long[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            var db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            result[i] = da == db || db == 1 ? da : da == 1 ? db : throw new InvalidDataException(
                $"The {node.OpType} node '{node.Name}' combines [{string.Join(", ", a)}] and [{string.Join(", ", b)}], which do not broadcast.");
        }

        return result;
    }

    private static long[] Concat(NodeProto node, long[][] inputs)
    {
        var axis = Axis(node, inputs[0].Length);
        var result = (long[])inputs[0].Clone();
        result[axis] = inputs.Sum(s => s[axis]);
        return result;
    }

    private static void Split(NodeProto node, long[] x, Dictionary<string, TensorProto> initializers, Dictionary<string, long[]> shapes)
    {
        var axis = Axis(node, x.Length);
        var sizes = node.Input.Count > 1 && node.Input[1].Length > 0
            ? Int64Values(initializers, node.Input[1], node)
            : [.. Enumerable.Repeat(x[axis] / node.Output.Count, node.Output.Count)];
        if (sizes.Length != node.Output.Count || sizes.Sum() != x[axis])
        {
            throw new InvalidDataException($"The Split node '{node.Name}' splits {x[axis]} into [{string.Join(", ", sizes)}].");
        }

        for (var i = 0; i < sizes.Length; i++)
        {
            var part = (long[])x.Clone();
            part[axis] = sizes[i];
            shapes[node.Output[i]] = part;
        }
    }

    private static long[] Reshape(NodeProto node, long[] x, long[] target)
    {
        var result = new long[target.Length];
        var unknown = -1;
        long known = 1;
        for (var i = 0; i < target.Length; i++)
        {
            result[i] = target[i] == 0 ? x[i] : target[i];
            if (result[i] == -1)
            {
                unknown = i;
            }
            else
            {
                known *= result[i];
            }
        }

        if (unknown >= 0)
        {
            result[unknown] = Elements(x) / known;
        }

        return Elements(result) == Elements(x)
            ? result
            : throw new InvalidDataException($"The Reshape node '{node.Name}' reshapes [{string.Join(", ", x)}] to [{string.Join(", ", target)}].");
    }

    private static long[] Resize(NodeProto node, long[] x, Dictionary<string, TensorProto> initializers)
    {
        if (node.Input.Count > 3 && node.Input[3].Length > 0)
        {
            return Int64Values(initializers, node.Input[3], node);
        }

        if (node.Input.Count < 3 || !initializers.TryGetValue(node.Input[2], out var scales))
        {
            throw new NotSupportedException($"The Resize node '{node.Name}' has no constant scales or sizes.");
        }

        var factors = FloatValues(scales);
        return [.. x.Select((d, i) => (long)Math.Floor(d * factors[i]))];
    }

    private static int Axis(NodeProto node, int rank)
    {
        var axis = IntAttribute(node, "axis") ?? 0;
        return (int)(axis < 0 ? axis + rank : axis);
    }

    private static long? IntAttribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : null;

    private static long[]? IntsAttribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? [.. attribute.Ints] : null;

    private static long[] Int64Values(Dictionary<string, TensorProto> initializers, string name, NodeProto node)
    {
        if (!initializers.TryGetValue(name, out var tensor) || tensor.DataType != (int)TensorProto.Types.DataType.Int64)
        {
            throw new NotSupportedException($"The {node.OpType} node '{node.Name}' reads '{name}', which is not a constant int64 tensor.");
        }

        if (tensor.Int64Data.Count > 0)
        {
            return [.. tensor.Int64Data];
        }

        var bytes = tensor.RawData.Span;
        var values = new long[bytes.Length / sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * sizeof(long))..]);
        }

        return values;
    }

    private static float[] FloatValues(TensorProto tensor)
    {
        if (tensor.FloatData.Count > 0)
        {
            return [.. tensor.FloatData];
        }

        var bytes = tensor.RawData.Span;
        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }

        return values;
    }

    private static long Elements(long[] shape) => shape.Aggregate(1L, (product, d) => product * d);
}
