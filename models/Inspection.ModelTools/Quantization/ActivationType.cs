namespace Inspection.ModelTools.Quantization;

/// <summary>How the activations of a QDQ model are quantized.</summary>
public enum ActivationType
{
    /// <summary>
    /// Signed int8, symmetric (zero point 0, scale max|range| / 127): the only form TensorRT's explicit quantization
    /// accepts (its ONNX parser refuses uint8 QuantizeLinear and non-zero zero points). ONNX Runtime's CPU provider
    /// runs it too, with fewer fused kernels.
    /// </summary>
    Int8,

    /// <summary>
    /// Unsigned uint8, asymmetric (zero point from the calibrated range): what ONNX Runtime's CPU provider fuses best
    /// (QLinearConv with u8 activations and s8 weights). TensorRT cannot build an engine from it.
    /// </summary>
    UInt8,
}
