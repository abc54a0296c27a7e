using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Quantization;

/// <summary>A Conv node to quantize: its constant weights and optional constant bias.</summary>
internal sealed record ConvTarget(NodeProto Node, TensorProto Weight, TensorProto? Bias)
{
    public string Input => Node.Input[0];

    public string Output => Node.Output[0];

    public int OutputChannels => checked((int)Weight.Dims[0]);
}
