namespace Inspection.ModelTools.Quantization;

/// <summary>
/// A model or calibration input the quantizer cannot use (missing, not ONNX, nothing to quantize, already
/// quantized, no readable images). The message is one line that names the problem and the file.
/// </summary>
public sealed class QuantizationException(string message) : Exception(message);
