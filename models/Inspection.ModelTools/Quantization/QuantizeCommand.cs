using System.CommandLine;
using System.Globalization;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// <c>quantize</c>: an fp32 detector → its int8 QDQ twin (see <see cref="ModelQuantizer"/>), with a summary of
/// what was quantized, the file sizes and how far the int8 scores move on held-out frames. Exit code 2 and one
/// line on stderr when the model or the calibration input cannot be used.
/// </summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The fp32 .onnx model.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The int8 .onnx model to write.", Required = true };
        var seed = new Option<int>("--calib-seed") { Description = "Seed of the training lines calibrated on (line seeds seed × 1000 + 0…63).", DefaultValueFactory = _ => 1 };
        var frames = new Option<int>("--calib-frames") { Description = "Synthetic-line frames to calibrate on.", DefaultValueFactory = _ => 128 };
        var images = new Option<DirectoryInfo?>("--calib-images") { Description = "Calibrate on every .jpg/.png of this folder instead of the synthetic line." };
        var percentile = new Option<double>("--percentile") { Description = "Percentile of |activation| the ranges are clipped to (100: plain min/max, right for detectors whose defects are the rare large activations).", DefaultValueFactory = _ => 100 };
        var keepFloat = new Option<string[]>("--keep-float")
        {
            Description = "Conv nodes (node or output names) to leave in float, e.g. the detection head.",
            AllowMultipleArgumentsPerToken = true,
        };
        var activations = new Option<ActivationType>("--activations")
        {
            Description = "int8: symmetric, what TensorRT accepts (default); uint8: asymmetric, fused best by ONNX Runtime's CPU provider, refused by TensorRT.",
            DefaultValueFactory = _ => ActivationType.Int8,
        };
        var ranges = new Option<FileInfo?>("--ranges")
        {
            Description = "Take the activation ranges from this file (written by the trainer's --quant-aware fine-tuning) instead of calibrating.",
        };
        var command = new Command("quantize", "Quantize an fp32 detector to int8 QDQ (per-channel int8 weights, int8 or uint8 activations) for TensorRT and ONNX Runtime.")
        {
            model, output, seed, frames, images, percentile, keepFloat, activations, ranges,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new QuantizationSettings(
                parse.GetValue(model)!.FullName,
                parse.GetValue(output)!.FullName,
                parse.GetValue(seed),
                parse.GetValue(frames),
                parse.GetValue(images)?.FullName,
                parse.GetValue(percentile),
                parse.GetValue(keepFloat) ?? [],
                parse.GetValue(activations),
                parse.GetValue(ranges)?.FullName);
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            QuantizationResult result;
            try
            {
                result = ModelQuantizer.Quantize(settings, stderr, cancellationToken);
            }
            catch (QuantizationException e)
            {
                stderr.WriteLine(e.Message);
                return Task.FromResult(2);
            }

            var inv = CultureInfo.InvariantCulture;
            var source = settings.CalibrationImages is null
                ? $"frames of line seeds {settings.CalibrationSeed * 1000}–{(settings.CalibrationSeed * 1000) + CalibrationSource.TrainingLines - 1}"
                : $"images of {settings.CalibrationImages}";
            var calibration = settings.RangesPath is null
                ? string.Create(inv, $"{result.CalibrationFrames} {source}, p{settings.Percentile}")
                : $"ranges from {settings.RangesPath} (quantization-aware training), none measured";
            stdout.WriteLine($"Wrote {settings.OutputPath}");
            stdout.WriteLine(string.Create(inv, $"convs        {result.QuantizedConvs} quantized (int8 per-channel weights, {ModelQuantizer.ActivationNote(settings.Activations)} activations), {result.FloatConvs} left in float"));
            stdout.WriteLine($"calibration  {calibration}");
            stdout.WriteLine(string.Create(inv, $"size         {result.Fp32Bytes:N0} B fp32 → {result.Int8Bytes:N0} B int8 ({100.0 * result.Int8Bytes / result.Fp32Bytes:0.0} %)"));
            stdout.WriteLine(string.Create(inv, $"scores       |fp32 − int8| on {result.HeldOutFrames} held-out frames: max {result.MaxScoreDifference:0.0000}, mean {result.MeanScoreDifference:0.00000}"));
            return Task.FromResult(0);
        });
        return command;
    }
}
