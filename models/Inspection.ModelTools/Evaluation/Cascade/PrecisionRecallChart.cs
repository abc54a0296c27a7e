using System.Globalization;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>Draws a model's precision-recall curves at IoU 0.5, one per class, as a PNG.</summary>
public static class PrecisionRecallChart
{
    public const int Width = 900;

    public const int Height = 600;

    /// <summary>
    /// The PNG bytes: per class with ground truth, the precision envelope (the curve AP integrates) against recall,
    /// a dot where the report's confidence threshold cuts it, and the class's AP50 in the legend.
    /// </summary>
    public static byte[] Render(MetricsReport report, IReadOnlyList<string> classNames, string title)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(classNames);
        var culture = CultureInfo.InvariantCulture;
        using var canvas = new ChartCanvas(
            Width, Height, ChartCanvas.Axis.Fraction("recall", 0, 1, 0.1), ChartCanvas.Axis.Fraction("precision", 0, 1, 0.1), title);
        var drawn = 0;
        foreach (var metrics in report.Classes.Where(c => c.TruthCount > 0))
        {
            var color = ChartCanvas.Palette[drawn++ % ChartCanvas.Palette.Length];
            var name = metrics.ClassId < classNames.Count ? classNames[metrics.ClassId] : $"class {metrics.ClassId}";
            canvas.Polyline(Envelope(metrics.Curve), color);
            canvas.Marker(canvas.ToPixel(metrics.AtThreshold.Recall, metrics.AtThreshold.Precision), color, 5, filled: true);
            canvas.LegendEntry(string.Create(culture, $"{name}  AP50 {metrics.Ap50:0.000}"), color);
        }

        canvas.LegendEntry(string.Create(culture, $"all  mAP50 {report.Map50:0.000}"), null);
        canvas.LegendEntry(string.Create(culture, $"mAP50-95 {report.Map50To95:0.000}"), null);
        canvas.LegendEntry(string.Create(culture, $"conf {report.ConfidenceThreshold:0.00}"), ChartCanvas.Grey, LegendSwatch.Dot);
        canvas.LegendEntry(string.Create(culture, $"{report.ImageCount} frames"), null);
        return canvas.EncodePng();
    }

    /// <summary>
    /// Precision replaced by the highest precision at any equal or higher recall, as AP uses it, starting from
    /// recall 0; a raw curve zig-zags at every false positive and hides the shape.
    /// </summary>
    internal static IEnumerable<(double Recall, double Precision)> Envelope(IReadOnlyList<PrecisionRecallPoint> curve)
    {
        if (curve.Count == 0)
        {
            yield break;
        }

        var envelope = new double[curve.Count];
        for (var i = curve.Count - 1; i >= 0; i--)
        {
            envelope[i] = i == curve.Count - 1 ? curve[i].Precision : Math.Max(curve[i].Precision, envelope[i + 1]);
        }

        yield return (0, envelope[0]);
        for (var i = 0; i < curve.Count; i++)
        {
            // A step: precision drops only once recall has reached the point.
            if (i > 0 && envelope[i] != envelope[i - 1])
            {
                yield return (curve[i - 1].Recall, envelope[i]);
            }

            yield return (curve[i].Recall, envelope[i]);
        }
    }
}
