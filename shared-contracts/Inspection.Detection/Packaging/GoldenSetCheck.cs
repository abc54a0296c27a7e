using System.Globalization;
using OpenCvSharp;

namespace Inspection.Detection.Packaging;

/// <summary>
/// Runs a loaded model over a package's golden frames and compares with what its publisher's run detected. The
/// registry runs it before it accepts a package, the device before it trusts a newly loaded model.
/// </summary>
public static class GoldenSetCheck
{
    /// <summary>
    /// Returns null when every golden frame agrees within the tolerance, else the first disagreement in words.
    /// <paramref name="readImage"/> gives the bytes of a golden image by its package path (verified by the caller).
    /// </summary>
    public static string? Run(IDetector detector, GoldenSet golden, Func<PackageFile, byte[]> readImage)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(golden);
        ArgumentNullException.ThrowIfNull(readImage);
        foreach (var frame in golden.Frames)
        {
            using var image = Cv2.ImDecode(readImage(frame.Image), ImreadModes.Color);
            if (image.Empty())
            {
                return $"golden frame {frame.Image.Path} is not a readable image";
            }

            if (Compare(detector.Detect(image), frame.Detections, golden.Tolerance) is { } difference)
            {
                return $"golden frame {frame.Image.Path}: {difference}";
            }
        }

        return null;
    }

    /// <summary>Compares one frame's detections with the golden ones; null when they agree, else the first difference.</summary>
    public static string? Compare(IReadOnlyList<Detection> actual, IReadOnlyList<GoldenDetection> expected, GoldenTolerance tolerance)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(tolerance);
        foreach (var want in expected.Where(e => e.Confidence >= tolerance.MinScore))
        {
            var found = actual.Where(a => a.ClassId == want.ClassId).MaxBy(a => Iou(a.Box, want.Box));
            if (found is null || Iou(found.Box, want.Box) < tolerance.MinIou)
            {
                return $"expected {Describe(want.ClassName, want.Confidence, want.Box)}, found no {want.ClassName} overlapping it by {tolerance.MinIou:0.00} or more";
            }

            if (Math.Abs(found.Confidence - want.Confidence) > tolerance.MaxScoreDifference)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"expected {Describe(want.ClassName, want.Confidence, want.Box)}, found it at score {found.Confidence:0.000} (allowed difference {tolerance.MaxScoreDifference:0.00})");
            }
        }

        // Below this a detection may be an expected one that scored a little higher here; above it, it must be explained.
        var unexplainedFrom = tolerance.MinScore + tolerance.MaxScoreDifference;
        foreach (var extra in actual.Where(a => a.Confidence >= unexplainedFrom))
        {
            if (!expected.Any(e => e.ClassId == extra.ClassId && Iou(e.Box, extra.Box) >= tolerance.MinIou))
            {
                return $"found {Describe(extra.ClassName, extra.Confidence, extra.Box)}, which the publisher's run did not detect";
            }
        }

        return null;
    }

    private static string Describe(string className, float score, BoundingBox box) =>
        string.Create(CultureInfo.InvariantCulture, $"{className} {score:0.000} at ({box.X1:0},{box.Y1:0})-({box.X2:0},{box.Y2:0})");

    private static float Iou(BoundingBox a, BoundingBox b)
    {
        var intersection = new BoundingBox(Math.Max(a.X1, b.X1), Math.Max(a.Y1, b.Y1), Math.Min(a.X2, b.X2), Math.Min(a.Y2, b.Y2)).Area;
        var union = a.Area + b.Area - intersection;
        return union <= 0 ? 0 : intersection / union;
    }
}
