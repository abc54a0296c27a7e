using System.Globalization;
using Inspection.ModelTools.Evaluation.Cascade;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// Draws the cloud band's curve as a PNG: as the cloud's band (lower, lower + 0.05) moves, the share of escalated
/// parts left to a person and the share of defective escalated parts the cloud passed.
/// </summary>
public static class CloudBandChart
{
    public const int Width = 900;

    public const int Height = 600;

    public static byte[] Render(IReadOnlyList<CloudCurvePoint> curve, float chosenLower, string title)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var culture = CultureInfo.InvariantCulture;
        using var canvas = new ChartCanvas(
            Width, Height, ChartCanvas.Axis.Fraction("cloud band lower edge", 0, 1, 0.1), ChartCanvas.Axis.Percent("share", 0, 1, 0.1), title);
        var left = ChartCanvas.Palette[0];
        var passed = ChartCanvas.Palette[3];
        var rejected = ChartCanvas.Palette[1];
        var cleanEscalated = curve.Count > 0 ? curve[0].CleanEscalated : 0;
        var perClean = Math.Max(1, cleanEscalated);
        var defectiveEscalated = curve.Count > 0 ? curve[0].DefectiveEscalated : 0;
        var perDefective = Math.Max(1, defectiveEscalated);
        canvas.Polyline(curve.Select(p => ((double)p.Lower, p.LeftToPersonShare)), left);
        canvas.Polyline(curve.Select(p => ((double)p.Lower, (double)p.DefectivePassedByCloud / perDefective)), passed);
        canvas.Polyline(curve.Select(p => ((double)p.Lower, (double)p.CleanRejectedByCloud / perClean)), rejected);
        foreach (var point in curve)
        {
            canvas.Marker(canvas.ToPixel(point.Lower, point.LeftToPersonShare), left, 3, filled: true);
            canvas.Marker(canvas.ToPixel(point.Lower, (double)point.DefectivePassedByCloud / perDefective), passed, 3, filled: true);
            canvas.Marker(canvas.ToPixel(point.Lower, (double)point.CleanRejectedByCloud / perClean), rejected, 3, filled: true);
        }

        canvas.VerticalLine(chosenLower, ChartCanvas.Black, dashed: true);
        canvas.LegendEntry("left to a person", left);
        canvas.LegendEntry(string.Create(culture, $"defective passed (of {defectiveEscalated})"), passed);
        canvas.LegendEntry(string.Create(culture, $"clean rejected (of {cleanEscalated})"), rejected);
        canvas.LegendEntry(string.Create(culture, $"chosen lower edge {chosenLower:0.00}"), ChartCanvas.Black, LegendSwatch.Dashed);
        return canvas.EncodePng();
    }
}
