namespace Inspection.ModelTools.Quantization;

/// <summary>What <see cref="ModelQuantizer.Quantize"/> reads, writes and calibrates on.</summary>
/// <param name="ModelPath">The fp32 ONNX model.</param>
/// <param name="OutputPath">Where the int8 QDQ model is written (replaced if present).</param>
/// <param name="CalibrationSeed">
/// Seed of the training lines the calibration frames come from (line seeds seed × 1000 + 0…63); default 1.
/// The summary's held-out frames come from seed × 1000 + 500 and up.
/// </param>
/// <param name="CalibrationFrames">Synthetic-line frames to calibrate on; default 128. Ignored with <paramref name="CalibrationImages"/>.</param>
/// <param name="CalibrationImages">A folder whose .jpg/.png files are calibrated on instead of the synthetic line; null for the line.</param>
/// <param name="Percentile">
/// Percentile of |value| an activation range is clipped to; default 100 (plain min/max). Clipping suits
/// classification, not defect detection: the largest activations of a frame are the few cells on a defect, and
/// clipping the top 0.01 % (p99.99) moved a class score by up to 0.97 on held-out frames, against 0.19 at p100.
/// </param>
/// <param name="KeepFloat">
/// Conv nodes (by node name or output tensor name) left in float, e.g. the detection head when its scores move too
/// much in int8; TensorRT and ONNX Runtime run such a model in mixed precision. Empty by default.
/// </param>
/// <param name="Activations">Activation type; default <see cref="ActivationType.Int8"/>, the form TensorRT consumes.</param>
/// <param name="RangesPath">
/// Activation ranges read from this file (<see cref="ActivationRangeFile"/>) instead of calibrating: the ranges a
/// quantization-aware fine-tuning trained the weights for. Null: calibrate.
/// </param>
public sealed record QuantizationSettings(
    string ModelPath,
    string OutputPath,
    int CalibrationSeed = 1,
    int CalibrationFrames = 128,
    string? CalibrationImages = null,
    double Percentile = 100,
    IReadOnlyList<string>? KeepFloat = null,
    ActivationType Activations = ActivationType.Int8,
    string? RangesPath = null);
