using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// Runs the model on the prepared input (<see cref="SelfTestOptions.InputPath"/>): its size must match the model's
/// input shape, and the detections (count, strongest box) are reported. Needs no OpenCV.
/// </summary>
public sealed class InferenceCheck : ISelfTestCheck
{
    private const float InverseByteRange = 1f / 255f;
    private readonly SelfTestModel _model;
    private readonly string _inputPath;
    private readonly TimeProvider _time;

    public InferenceCheck(SelfTestModel model, IOptions<SelfTestOptions> options, IHostEnvironment environment, TimeProvider time)
    {
        _model = model;
        _inputPath = Path.GetFullPath(options.Value.InputPath, environment.ContentRootPath);
        _time = time;
    }

    public string Name => "inference";

    public async Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var load = _model.Load();
        if (load.Detector is not { } detector)
        {
            return SelfTestResult.Fail($"no model to run: {load.Error}");
        }

        byte[] rgb;
        try
        {
            rgb = await File.ReadAllBytesAsync(_inputPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return SelfTestResult.Fail($"the prepared input {_inputPath} (SelfTest:InputPath) cannot be read: {ex.Message}");
        }

        var width = detector.Model.InputWidth;
        var height = detector.Model.InputHeight;
        var culture = CultureInfo.InvariantCulture;
        if (rgb.Length != 3 * width * height)
        {
            return SelfTestResult.Fail(string.Create(culture,
                $"the prepared input {_inputPath} holds {rgb.Length} bytes, but the model's input {ShapeText.Of(detector.InputShape)} "
                + $"needs {3 * width * height} ({width}x{height} RGB pixels): prepare it at the model's size (SelfTest:InputPath)"));
        }

        var tensor = ToPlanar(rgb, width * height);
        var started = _time.GetTimestamp();
        var detections = detector.DetectPrepared(tensor);
        var elapsed = _time.GetElapsedTime(started);
        var found = detections
            .OrderByDescending(static d => d.Confidence)
            .Select(static d => new SelfTestDetection(d.ClassId, d.ClassName, d.Confidence, d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2))
            .ToList();
        var top = found.Count == 0
            ? string.Empty
            : string.Create(culture, $"; top: {found[0].ClassName} {found[0].Confidence:F3} at ({found[0].X1:F1}, {found[0].Y1:F1})-({found[0].X2:F1}, {found[0].Y2:F1})");
        return SelfTestResult.Pass(string.Create(culture,
            $"{found.Count} detections on {Path.GetFileName(_inputPath)} in {elapsed.TotalMilliseconds:F0} ms, output {ShapeText.Of(detector.OutputShape)}{top}"))
            with { Detections = found };
    }

    // Interleaved RGB bytes to the network's planar RGB floats in [0, 1], as the letterbox writes a frame.
    private static float[] ToPlanar(byte[] rgb, int plane)
    {
        var tensor = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            tensor[i] = rgb[3 * i] * InverseByteRange;
            tensor[plane + i] = rgb[(3 * i) + 1] * InverseByteRange;
            tensor[(2 * plane) + i] = rgb[(3 * i) + 2] * InverseByteRange;
        }

        return tensor;
    }
}
