namespace Inspection.ModelTools.Quantization;

/// <summary>What a quantization run did, for the summary a user reads.</summary>
/// <param name="QuantizedConvs">Conv nodes given int8 weights and uint8 activations.</param>
/// <param name="FloatConvs">Conv nodes left in float (the box decoding after the head).</param>
/// <param name="CalibrationFrames">Frames or images the activation ranges were measured on.</param>
/// <param name="Fp32Bytes">Size of the fp32 file.</param>
/// <param name="Int8Bytes">Size of the written int8 file.</param>
/// <param name="HeldOutFrames">Held-out line frames both models ran on for the comparison.</param>
/// <param name="MaxScoreDifference">Largest |fp32 − int8| class score of the first output over those frames.</param>
/// <param name="MeanScoreDifference">Mean |fp32 − int8| class score over those frames.</param>
public sealed record QuantizationResult(
    int QuantizedConvs,
    int FloatConvs,
    int CalibrationFrames,
    long Fp32Bytes,
    long Int8Bytes,
    int HeldOutFrames,
    float MaxScoreDifference,
    float MeanScoreDifference);
