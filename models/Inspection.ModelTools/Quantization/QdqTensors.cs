using System.Buffers.Binary;
using Google.Protobuf;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Quantization;

/// <summary>Reads float initializers and writes the int8/uint8/int32 tensors of a QDQ model (little-endian <c>raw_data</c>).</summary>
internal static class QdqTensors
{
    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new QuantizationException($"Initializer '{tensor.Name}' is not float32 (data type {tensor.DataType}).");
        }

        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new QuantizationException($"Initializer '{tensor.Name}' is stored as external data, which the quantizer does not read; save the model as one file.");
        }

        var count = tensor.Dims.Aggregate(1L, (product, dim) => product * dim);
        if (tensor.FloatData.Count > 0)
        {
            if (tensor.FloatData.Count != count)
            {
                throw new QuantizationException($"Initializer '{tensor.Name}' holds {tensor.FloatData.Count} values but its shape needs {count}.");
            }

            return [.. tensor.FloatData];
        }

        var raw = tensor.RawData.Span;
        if (raw.Length != count * sizeof(float))
        {
            throw new QuantizationException($"Initializer '{tensor.Name}' holds {raw.Length} bytes but its shape needs {count * sizeof(float)}.");
        }

        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
        }

        return values;
    }

    public static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return Tensor(name, TensorProto.Types.DataType.Float, bytes, dims);
    }

    public static TensorProto Int8(string name, sbyte[] values, params long[] dims) =>
        Tensor(name, TensorProto.Types.DataType.Int8, [.. values.Select(v => unchecked((byte)v))], dims);

    public static TensorProto UInt8(string name, byte[] values, params long[] dims) =>
        Tensor(name, TensorProto.Types.DataType.Uint8, values, dims);

    public static TensorProto Int32(string name, int[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(int)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), values[i]);
        }

        return Tensor(name, TensorProto.Types.DataType.Int32, bytes, dims);
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, byte[] bytes, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
