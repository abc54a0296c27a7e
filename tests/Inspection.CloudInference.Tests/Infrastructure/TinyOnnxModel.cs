using Google.Protobuf;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// Writes a real, minimal ONNX model (one Relu over a float[1, 1]) so tests run ONNX Runtime itself
/// with an output the test controls, independent of how the production models are trained.
/// </summary>
public static class TinyOnnxModel
{
    private const int FloatElementType = 1;

    public static string Write(string directory)
    {
        var path = Path.Combine(directory, "brightness.onnx");
        File.WriteAllBytes(path, Build());
        return path;
    }

    public static byte[] Build()
    {
        var node = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString("x");
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString("y");
            o.WriteTag(4, WireFormat.WireType.LengthDelimited);
            o.WriteString("Relu");
        });
        var graph = Message(o =>
        {
            WriteMessage(o, 1, node);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString("brightness");
            WriteMessage(o, 11, ValueInfo("x"));
            WriteMessage(o, 12, ValueInfo("y"));
        });
        var opset = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString(string.Empty);
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt64(13);
        });
        return Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(7);
            WriteMessage(o, 7, graph);
            WriteMessage(o, 8, opset);
        });
    }

    private static byte[] ValueInfo(string name)
    {
        var dimension = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(1);
        });
        var shape = Message(o =>
        {
            WriteMessage(o, 1, dimension);
            WriteMessage(o, 1, dimension);
        });
        var tensor = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt32(FloatElementType);
            WriteMessage(o, 2, shape);
        });
        var type = Message(o => WriteMessage(o, 1, tensor));
        return Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString(name);
            WriteMessage(o, 2, type);
        });
    }

    private static void WriteMessage(CodedOutputStream output, int field, byte[] message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }

        return buffer.ToArray();
    }
}
