using Google.Protobuf;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Onnx;

/// <summary>A node attribute for <see cref="OnnxGraphBuilder.AddNode"/>, e.g. <c>OnnxAttribute.Ints("pads", 1, 1, 1, 1)</c>.</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(AttributeProto proto) => Proto = proto;

    /// <summary>The attribute name as the operator defines it.</summary>
    public string Name => Proto.Name;

    internal AttributeProto Proto { get; }

    public static OnnxAttribute Int(string name, long value) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Int, I = value });

    public static OnnxAttribute Ints(string name, params long[] values) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } });

    public static OnnxAttribute Float(string name, float value) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Float, F = value });

    public static OnnxAttribute Floats(string name, params float[] values) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Floats, Floats = { values } });

    public static OnnxAttribute String(string name, string value) =>
        new(new AttributeProto
        {
            Name = CheckName(name),
            Type = AttributeProto.Types.AttributeType.String,
            S = ByteString.CopyFromUtf8(value ?? throw new ArgumentNullException(nameof(value))),
        });

    private static string CheckName(string name) =>
        string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("An ONNX attribute needs a name.", nameof(name)) : name;
}
