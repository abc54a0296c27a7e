using Inspection.Detection;
using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// Network inputs to calibrate and compare on, letterboxed exactly as <see cref="OnnxDetector"/> does at run time.
/// Each sequence reuses one buffer: a yielded array is valid until the next item is requested.
/// </summary>
internal static class CalibrationSource
{
    /// <summary>Lines per seed the trainer trains on (line seeds seed × 1000 + 0…63).</summary>
    public const int TrainingLines = Models.SeedUse.TrainingLineCount;

    /// <summary>First held-out line (seed × 1000 + 500): never trained or calibrated on.</summary>
    public const int HeldOutLineOffset = Models.SeedUse.ValidationLineOffset;

    private const int FramesPerLine = 6000;
    private const int FrameWidth = 640;
    private const int FrameHeight = 480;

    // Spreads the frames of consecutive lines apart, so that line j's first frame is not every line's first frame.
    private const int LineStagger = 97;

    /// <summary>
    /// <paramref name="count"/> frames of the training lines of <paramref name="seed"/>, spread over the lines and
    /// over frames 0…5999 of each: a pure function of (seed, count).
    /// </summary>
    public static IEnumerable<float[]> TrainingFrames(int seed, int count, int width, int height)
    {
        var lines = Math.Min(count, TrainingLines);
        for (var line = 0; line < lines; line++)
        {
            var visits = (count / TrainingLines) + (line < count % TrainingLines ? 1 : 0);
            var frames = Enumerable.Range(0, visits).Select(k => (((long)k * FramesPerLine / visits) + (line * LineStagger)) % FramesPerLine);
            foreach (var tensor in LineFrames(unchecked((seed * 1000) + line), frames, width, height))
            {
                yield return tensor;
            }
        }
    }

    /// <summary><paramref name="count"/> frames of the held-out lines of <paramref name="seed"/>, one line each.</summary>
    public static IEnumerable<float[]> HeldOutFrames(int seed, int count, int width, int height)
    {
        for (var k = 0; k < count; k++)
        {
            var frame = 300 + ((long)k * 1499 % FramesPerLine);
            foreach (var tensor in LineFrames(unchecked((seed * 1000) + HeldOutLineOffset + k), [frame], width, height))
            {
                yield return tensor;
            }
        }
    }

    /// <summary>
    /// Every .jpg/.jpeg/.png file of <paramref name="folder"/> in name order. An unreadable file is skipped with a
    /// warning; a folder without one readable image is an error.
    /// </summary>
    public static IEnumerable<float[]> FolderImages(string folder, int width, int height, TextWriter warnings)
    {
        if (!Directory.Exists(folder))
        {
            throw new QuantizationException($"Calibration folder '{folder}' does not exist.");
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png")
            .Order(StringComparer.Ordinal)
            .ToList();
        var tensor = new float[3 * width * height];
        using var resizeBuffer = new Mat();
        var readable = 0;
        foreach (var file in files)
        {
            using var image = Cv2.ImRead(file, ImreadModes.Color);
            if (image.Empty())
            {
                warnings.WriteLine($"warning: skipped '{file}': not a readable image.");
                continue;
            }

            Fill(image, resizeBuffer, tensor, width, height);
            readable++;
            yield return tensor;
        }

        if (readable == 0)
        {
            throw new QuantizationException($"Calibration folder '{folder}' has no readable .jpg or .png image ({files.Count} candidate file(s)).");
        }
    }

    private static IEnumerable<float[]> LineFrames(int lineSeed, IEnumerable<long> frames, int width, int height)
    {
        var tensor = new float[3 * width * height];
        using var resizeBuffer = new Mat();
        using var line = new SyntheticLine(lineSeed, FrameWidth, FrameHeight);
        foreach (var index in frames)
        {
            using var rendered = line.Render(index);
            Fill(rendered.Frame, resizeBuffer, tensor, width, height);
            yield return tensor;
        }
    }

    private static void Fill(Mat bgr, Mat resizeBuffer, float[] tensor, int width, int height)
    {
        var letterbox = Letterbox.Compute(bgr.Width, bgr.Height, width, height);
        letterbox.FillPadding(tensor);
        letterbox.FillImage(bgr, resizeBuffer, tensor);
    }
}
