using System.Globalization;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// Draws the cascade's trade-off as a PNG: share of frames escalated (x) against the cascade's mAP50 (y) for every
/// band of the sweep, with the single models' mAP50, the target, the shipped band and the chosen band marked.
/// </summary>
public static class CascadeTradeoffChart
{
    public const int Width = 900;

    public const int Height = 600;

    public static byte[] Render(CascadeEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var culture = CultureInfo.InvariantCulture;
        var sweep = evaluation.Sweep;
        var cloud = evaluation.Reports[CascadeEvaluation.Cloud].Map50;
        var edge = evaluation.Reports[CascadeEvaluation.Edge].Map50;
        var choice = evaluation.Choice;

        var maxRate = sweep.Count == 0 ? 0 : sweep.Max(p => p.EscalatedFraction);
        var xMax = Math.Clamp(Math.Ceiling((maxRate * 10) + 1e-9) / 10, 0.1, 1);
        var xTick = xMax <= 0.3 ? 0.02 : xMax <= 0.6 ? 0.05 : 0.1;
        var values = sweep.Select(p => p.Map50).Append(cloud).Append(edge).Append(choice.TargetMap50).ToList();
        var yMin = Math.Max(0, Math.Floor((values.Min() - 0.005) * 20) / 20);
        var yMax = Math.Min(1, Math.Ceiling((values.Max() + 0.005) * 20) / 20);
        if (yMax - yMin < 0.05)
        {
            yMin = Math.Max(0, yMax - 0.05);
        }

        var yTick = yMax - yMin <= 0.1 + 1e-9 ? 0.01 : yMax - yMin <= 0.5 ? 0.05 : 0.1;
        using var canvas = new ChartCanvas(
            Width,
            Height,
            ChartCanvas.Axis.Percent("frames escalated to the cloud", 0, xMax, xTick),
            ChartCanvas.Axis.Fraction("cascade mAP50", yMin, yMax, yTick),
            string.Create(culture, $"Cascade trade-off as the uncertain band moves ({evaluation.FrameCount} frames)"));

        var cloudColor = ChartCanvas.Palette[2];
        var edgeColor = ChartCanvas.Palette[1];
        var sweepColor = ChartCanvas.Palette[0];
        var shippedColor = ChartCanvas.Palette[3];
        canvas.HorizontalLine(cloud, cloudColor, dashed: false);
        canvas.HorizontalLine(choice.TargetMap50, cloudColor, dashed: true);
        canvas.HorizontalLine(edge, edgeColor, dashed: true);
        if (choice.MaxEscalatedShare < 1)
        {
            canvas.VerticalLine(choice.MaxEscalatedShare, ChartCanvas.Black, dashed: true);
        }

        foreach (var point in sweep.Where(p => !p.UpperFixed))
        {
            canvas.Marker(canvas.ToPixel(point.EscalatedFraction, point.Map50), ChartCanvas.Grey, 3, filled: true);
        }

        var fixedUpper = sweep.Where(p => p.UpperFixed).OrderByDescending(p => p.Lower).ToList();
        canvas.Polyline(fixedUpper.Select(p => (p.EscalatedFraction, p.Map50)), sweepColor);
        foreach (var point in fixedUpper)
        {
            canvas.Marker(canvas.ToPixel(point.EscalatedFraction, point.Map50), sweepColor, 3, filled: true);
        }

        var shipped = evaluation.ShippedBand;
        var shippedPoint = sweep.FirstOrDefault(p => p.Lower == shipped.Lower && p.Upper == shipped.Upper);
        var shippedPixel = shippedPoint is null ? (OpenCvSharp.Point?)null : canvas.ToPixel(shippedPoint.EscalatedFraction, shippedPoint.Map50);
        var chosenPixel = choice.Chosen is { } chosen ? canvas.ToPixel(chosen.EscalatedFraction, chosen.Map50) : (OpenCvSharp.Point?)null;

        // Labels first, markers over them: where the points crowd, a label must not hide the band it names.
        if (shippedPixel is { } s)
        {
            canvas.Annotate(s, string.Create(culture, $"shipped {shipped.Lower:0.00}/{shipped.Upper:0.00}"), shippedColor, below: true);
        }

        if (chosenPixel is { } c)
        {
            canvas.Annotate(c, string.Create(culture, $"chosen {choice.Chosen!.Lower:0.00}/{choice.Chosen.Upper:0.00}"), ChartCanvas.Black, below: false);
        }

        if (shippedPixel is { } shippedAt)
        {
            canvas.Marker(shippedAt, shippedColor, 6, filled: true);
        }

        if (chosenPixel is { } chosenAt)
        {
            canvas.Marker(chosenAt, ChartCanvas.Black, 9, filled: false);
        }

        canvas.LegendEntry(string.Create(culture, $"lower moves, upper {shipped.Upper:0.00}"), sweepColor);
        canvas.LegendEntry("other (lower, upper) pairs", ChartCanvas.Grey, LegendSwatch.Dot);
        canvas.LegendEntry(string.Create(culture, $"cloud only {cloud:0.000}"), cloudColor);
        canvas.LegendEntry(string.Create(culture, $"target {choice.TargetShare:P0} of cloud"), cloudColor, LegendSwatch.Dashed);
        canvas.LegendEntry(string.Create(culture, $"edge only {edge:0.000}"), edgeColor, LegendSwatch.Dashed);
        if (choice.MaxEscalatedShare < 1)
        {
            canvas.LegendEntry(string.Create(culture, $"escalation budget {choice.MaxEscalatedShare:P0}"), ChartCanvas.Black, LegendSwatch.Dashed);
        }

        canvas.LegendEntry(string.Create(culture, $"shipped band {evaluation.EscalatedFraction:P1}"), shippedColor, LegendSwatch.Dot);
        canvas.LegendEntry(choice.Chosen is { } best ? string.Create(culture, $"chosen band {best.EscalatedFraction:P1}") : "chosen band: none", ChartCanvas.Black, LegendSwatch.Ring);
        return canvas.EncodePng();
    }
}
