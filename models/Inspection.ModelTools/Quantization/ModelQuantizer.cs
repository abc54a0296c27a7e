using System.Globalization;
using Google.Protobuf;
using Inspection.ModelTools.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// Post-training int8 quantization of an fp32 detector into explicit QDQ form, the form TensorRT builds int8
/// engines from and ONNX Runtime's CPU provider fuses into QLinearConv:
/// <list type="bullet">
/// <item>every Conv with constant weights gets int8 weights per output channel (symmetric, zero point 0,
/// scale max|w| / 127, DequantizeLinear axis 0) and an int32 bias on scale input scale × weight scale;</item>
/// <item>its input and output activations go through uint8 QuantizeLinear/DequantizeLinear (asymmetric, range
/// calibrated on real frames and widened to include 0), so each Conv is a DQ → Conv → Q group;</item>
/// <item>the head Conv is quantized like the rest, output included, so it fuses too: keeping its output float
/// did not make the scores closer to fp32 (largest move on held-out frames 0.197 against 0.188). The box decoding
/// after it stays float: Split, Softplus, the stride Mul, the fixed ltrb→xywh 1×1 Conv, the cell-centre Add,
/// Sigmoid, Concat and Reshape. They cost almost nothing, and a uint8 grid over the pixel coordinates of a 320-
/// or 640-pixel input has a step of 1.25 or 2.5 pixels, a visible error on defects a few pixels wide.</item>
/// </list>
/// Ranges are plain min/max by default (see <see cref="QuantizationSettings.Percentile"/>), and a Conv output only
/// SiLU reads drops the negative tail SiLU flattens (<see cref="QuantizationPlan.Fit"/>).
/// The same settings give the same bytes: calibration frames are a pure function of the seed, are read in a fixed
/// order, and ONNX Runtime calibrates on one thread.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>Held-out line frames the summary compares fp32 and int8 scores on.</summary>
    public const int HeldOutFrames = 8;

    /// <summary>Quantizes <see cref="QuantizationSettings.ModelPath"/> into <see cref="QuantizationSettings.OutputPath"/>.</summary>
    /// <param name="settings">Model, output and calibration.</param>
    /// <param name="warnings">Where skipped calibration images are reported.</param>
    /// <param name="cancellationToken">Stops calibration between frames.</param>
    /// <exception cref="QuantizationException">The model or the calibration input cannot be used; nothing is written.</exception>
    public static QuantizationResult Quantize(QuantizationSettings settings, TextWriter warnings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(warnings);
        if (settings.CalibrationFrames < 1)
        {
            throw new QuantizationException($"--calib-frames must be at least 1, got {settings.CalibrationFrames}.");
        }

        if (!(settings.Percentile > 0 && settings.Percentile <= 100))
        {
            throw new QuantizationException($"--percentile must be above 0 and at most 100, got {settings.Percentile.ToString(CultureInfo.InvariantCulture)}.");
        }

        var modelPath = Path.GetFullPath(settings.ModelPath);
        var outputPath = Path.GetFullPath(settings.OutputPath);
        if (!File.Exists(modelPath))
        {
            throw new QuantizationException($"No model at '{modelPath}'.");
        }

        if (string.Equals(modelPath, outputPath, StringComparison.Ordinal))
        {
            throw new QuantizationException($"--out is the fp32 model '{modelPath}' itself; write the int8 model to another file.");
        }

        var fp32Bytes = File.ReadAllBytes(modelPath);
        var model = Parse(fp32Bytes, modelPath);
        var plan = QuantizationPlan.Create(model, modelPath, settings.KeepFloat, quantizeOutputs: settings.Activations == ActivationType.UInt8);

        IReadOnlyDictionary<string, ActivationRange> ranges;
        string source;
        var calibrated = 0;
        if (settings.RangesPath is { } rangesPath)
        {
            ranges = ReadRanges(rangesPath, plan);
            source = $"ranges from {Path.GetFileName(rangesPath)} (quantization-aware training)";
        }
        else
        {
            (ranges, calibrated) = Calibrate(settings, model, plan, modelPath, warnings, cancellationToken);
            source = $"calibrated on {calibrated} {(settings.CalibrationImages is null ? "frames" : "images")} (p{settings.Percentile.ToString(CultureInfo.InvariantCulture)})";
        }

        var note = $"int8 QDQ, per-channel int8 weights, {ActivationNote(settings.Activations)} activations, {source}";
        var int8Bytes = QdqRewriter.Rewrite(model, plan, ranges, settings.Activations, note).ToByteArray();

        var heldOut = CalibrationSource.HeldOutFrames(settings.CalibrationSeed, HeldOutFrames, plan.InputWidth, plan.InputHeight);
        var (max, mean, compared) = Run(modelPath, () => ScoreComparison.Compare(fp32Bytes, int8Bytes, plan, heldOut, cancellationToken));

        // Written last and whole: a failure above leaves an existing output file as it was.
        var directory = Path.GetDirectoryName(outputPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var staging = outputPath + ".partial";
        File.WriteAllBytes(staging, int8Bytes);
        File.Move(staging, outputPath, overwrite: true);

        return new QuantizationResult(plan.Convs.Count, plan.FloatConvs, calibrated, fp32Bytes.LongLength, int8Bytes.LongLength, compared, max, mean);
    }

    /// <summary>
    /// Measures the activation ranges <see cref="Quantize"/> would use for <paramref name="settings"/> without
    /// writing a model: what quantization-aware training fine-tunes against, keyed by tensor name.
    /// </summary>
    /// <exception cref="QuantizationException">The model or the calibration input cannot be used.</exception>
    public static IReadOnlyDictionary<string, (float Min, float Max)> MeasureRanges(
        QuantizationSettings settings, TextWriter warnings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var modelPath = Path.GetFullPath(settings.ModelPath);
        if (!File.Exists(modelPath))
        {
            throw new QuantizationException($"No model at '{modelPath}'.");
        }

        var model = Parse(File.ReadAllBytes(modelPath), modelPath);
        var plan = QuantizationPlan.Create(model, modelPath, settings.KeepFloat, quantizeOutputs: settings.Activations == ActivationType.UInt8);
        var (ranges, _) = Calibrate(settings, model, plan, modelPath, warnings, cancellationToken);
        return ranges.ToDictionary(r => r.Key, r => (r.Value.Min, r.Value.Max), StringComparer.Ordinal);
    }

    private static (IReadOnlyDictionary<string, ActivationRange> Ranges, int Frames) Calibrate(
        QuantizationSettings settings, ModelProto model, QuantizationPlan plan, string modelPath, TextWriter warnings, CancellationToken cancellationToken)
    {
        var frames = settings.CalibrationImages is null
            ? CalibrationSource.TrainingFrames(settings.CalibrationSeed, settings.CalibrationFrames, plan.InputWidth, plan.InputHeight)
            : CalibrationSource.FolderImages(Path.GetFullPath(settings.CalibrationImages), plan.InputWidth, plan.InputHeight, warnings);
        return Run(modelPath, () => ActivationCalibrator.Calibrate(model, plan, frames, settings.Percentile, cancellationToken));
    }

    private static Dictionary<string, ActivationRange> ReadRanges(string path, QuantizationPlan plan)
    {
        var file = ActivationRangeFile.Read(path);
        var missing = plan.Activations.Where(a => !file.ContainsKey(a)).ToArray();
        if (missing.Length > 0)
        {
            throw new QuantizationException(
                $"'{path}' has no range for {string.Join(", ", missing.Select(m => $"'{m}'"))}; it was written for another model.");
        }

        return plan.Activations.ToDictionary(a => a, a => new ActivationRange(file[a].Min, file[a].Max), StringComparer.Ordinal);
    }

    private static ModelProto Parse(byte[] bytes, string path)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new QuantizationException($"'{path}' is not an ONNX model (it does not parse as one).");
        }

        // Arbitrary bytes can parse as a protobuf message with nothing in it.
        if (model.IrVersion <= 0 || model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new QuantizationException($"'{path}' is not an ONNX model (no IR version or no graph nodes).");
        }

        return model;
    }

    private static T Run<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (OnnxRuntimeException e)
        {
            var reason = e.Message.ReplaceLineEndings(" ");
            throw new QuantizationException($"ONNX Runtime cannot run '{path}': {reason}");
        }
    }

    /// <summary>How the activation type is named in the metadata and the summary.</summary>
    public static string ActivationNote(ActivationType type) =>
        type == ActivationType.UInt8 ? "uint8 (asymmetric)" : "int8 (symmetric)";
}
