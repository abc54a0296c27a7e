using Google.Protobuf;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Batching;

/// <summary>
/// Makes a detector's batch dimension dynamic in place: the image input and every graph output get a symbolic first
/// dimension (<see cref="BatchDimension"/>), and a Reshape whose target shape is a constant starting with 1 copies the
/// batch from its input instead (0 in ONNX's Reshape means "the input's size on this axis"). Nothing else in the
/// project's detectors fixes the batch (Conv, Sigmoid, Mul, Add with a [1, …] broadcast, Split and Concat on axis 1 all
/// take any N), so the weights and every batch-1 result stay bit for bit what they were. A graph with an operator that
/// could tie the batch to 1 is refused rather than rewritten into something that fails at batch 2.
/// </summary>
public static class DynamicBatchRewriter
{
    /// <summary>The name of the symbolic batch dimension.</summary>
    public const string BatchDimension = "batch";

    // Operators whose behaviour does not depend on the batch size (every one the project's exporters write).
    private static readonly HashSet<string> BatchAgnostic = new(StringComparer.Ordinal)
    {
        "Conv", "Sigmoid", "Mul", "Add", "Sub", "Div", "Softplus", "Relu", "Split", "Concat", "Reshape",
        "QuantizeLinear", "DequantizeLinear", "MaxPool", "Resize", "Identity",
    };

    /// <summary>
    /// Rewrites <paramref name="model"/> and says how many Reshape targets now copy the batch, and whether the model was
    /// dynamic already. Throws <see cref="InvalidOperationException"/> naming what stands in the way.
    /// </summary>
    public static (int ReshapesRewritten, bool AlreadyDynamic) Rewrite(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new InvalidOperationException("The model has no graph.");
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new InvalidOperationException($"The graph has {inputs.Count} non-constant inputs; a detector has exactly one image input.");
        }

        var unknown = graph.Node.Select(n => n.OpType).Where(op => !BatchAgnostic.Contains(op)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"The graph uses {string.Join(", ", unknown)}, which may tie the batch to 1; re-export it with a dynamic batch instead.");
        }

        var already = IsSymbolic(inputs[0]) && graph.Output.All(IsSymbolic);
        SetBatch(inputs[0]);
        foreach (var output in graph.Output)
        {
            SetBatch(output);
        }

        // Shapes inferred for intermediate values were inferred at batch 1; ONNX Runtime infers them again.
        graph.ValueInfo.Clear();

        var rewritten = 0;
        foreach (var reshape in graph.Node.Where(n => n.OpType == "Reshape"))
        {
            var target = graph.Initializer.FirstOrDefault(i => i.Name == reshape.Input[1])
                ?? throw new InvalidOperationException($"Reshape '{reshape.Name}' takes its shape from '{reshape.Input[1]}', which is computed; only constant shapes can be rewritten.");
            var dims = ReadInt64(target);
            if (dims.Length > 0 && dims[0] == 1)
            {
                dims[0] = 0;
                WriteInt64(target, dims);
                rewritten++;
            }
        }

        return (rewritten, already && rewritten == 0);
    }

    private static bool IsSymbolic(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape && shape.Dim[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam;

    private static void SetBatch(ValueInfoProto value)
    {
        var shape = value.Type?.TensorType?.Shape;
        if (shape is null || shape.Dim.Count == 0)
        {
            throw new InvalidOperationException($"'{value.Name}' has no declared shape, so its batch dimension cannot be made dynamic.");
        }

        var first = shape.Dim[0];
        if (first.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && first.DimValue != 1)
        {
            throw new InvalidOperationException($"'{value.Name}' has batch {first.DimValue}; only a batch of 1 is made dynamic.");
        }

        shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = BatchDimension };
    }

    private static long[] ReadInt64(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Int64)
        {
            throw new InvalidOperationException($"The Reshape shape '{tensor.Name}' is not int64.");
        }

        if (tensor.Int64Data.Count > 0)
        {
            return [.. tensor.Int64Data];
        }

        var bytes = tensor.RawData.Span;
        var values = new long[bytes.Length / sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.ToInt64(bytes.Slice(i * sizeof(long), sizeof(long)));
        }

        return values;
    }

    private static void WriteInt64(TensorProto tensor, long[] values)
    {
        if (tensor.Int64Data.Count > 0)
        {
            tensor.Int64Data.Clear();
            tensor.Int64Data.Add(values);
            return;
        }

        var bytes = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(long)), values[i]);
        }

        tensor.RawData = ByteString.CopyFrom(bytes);
    }
}
