using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;
using OpenCvSharp;
using static Inspection.ModelTools.Tests.Evaluation.Cascade.CascadeTestData;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class ChartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cascade-charts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PrecisionRecallChart_Render_WritesReadableImageOfExpectedSizeWithTheCurve()
    {
        var report = DetectionMetrics.Compute(CascadeCombiner.Combine(FourFrames(), new DecisionBand(0.3f, 0.55f)).Images, 2, 0.25f);
        var path = Path.Combine(_dir, "pr.png");

        File.WriteAllBytes(path, PrecisionRecallChart.Render(report, ["scratch", "spot"], "Precision-recall at IoU 0.5: test"));

        using var image = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(image.Empty());
        Assert.Equal((PrecisionRecallChart.Width, PrecisionRecallChart.Height), (image.Width, image.Height));

        // The scratch curve is drawn in the first palette colour (BGR 180, 119, 31).
        Assert.True(CountNear(image, new Vec3b(180, 119, 31)) > 200);
    }

    [Fact]
    public void CascadeTradeoffChart_Render_WritesReadableImageWithShippedAndChosenBands()
    {
        var evaluation = CascadeEvaluator.Evaluate(
            FourFramesRecorded(), 1, ["scratch", "spot"], 0.25f, new DecisionBand(0.35f, 0.75f), 0.98, TestContext.Current.CancellationToken);
        var path = Path.Combine(_dir, "tradeoff.png");

        File.WriteAllBytes(path, CascadeTradeoffChart.Render(evaluation));

        using var image = Cv2.ImRead(path, ImreadModes.Color);
        Assert.Equal((CascadeTradeoffChart.Width, CascadeTradeoffChart.Height), (image.Width, image.Height));

        // The shipped band is a filled red marker (BGR 40, 39, 214); the lower-edge sweep a blue line.
        Assert.True(CountNear(image, new Vec3b(40, 39, 214)) > 40);
        Assert.True(CountNear(image, new Vec3b(180, 119, 31)) > 100);
        Assert.NotNull(evaluation.Choice.Chosen);
    }

    [Fact]
    public void CascadeTradeoffChart_WithEscalationBudget_DrawsItAsAVerticalLine()
    {
        var recorded = FourFramesRecorded();
        var band = new DecisionBand(0.35f, 0.75f);
        var ct = TestContext.Current.CancellationToken;
        var unbounded = CascadeEvaluator.Evaluate(recorded, 1, ["scratch", "spot"], 0.25f, band, 0.98, ct);
        var budgeted = CascadeEvaluator.Evaluate(recorded, 1, ["scratch", "spot"], 0.25f, band, 0.98, ct, maxEscalatedShare: 0.5);

        using var without = Cv2.ImDecode(CascadeTradeoffChart.Render(unbounded), ImreadModes.Color);
        using var with = Cv2.ImDecode(CascadeTradeoffChart.Render(budgeted), ImreadModes.Color);

        // Dark pixels in a column that only the budget line (and its legend swatch) adds.
        var added = Enumerable.Range(0, with.Width)
            .Select(x => Enumerable.Range(0, with.Height).Count(y => with.At<Vec3b>(y, x).Item0 < 60 && without.At<Vec3b>(y, x).Item0 > 200))
            .Max();
        Assert.True(added > 50, $"the longest new dark column has {added} pixels");
        Assert.Equal(0.5, budgeted.Choice.MaxEscalatedShare);
    }

    private static int CountNear(Mat image, Vec3b color)
    {
        image.GetArray(out Vec3b[] pixels);
        return pixels.Count(p => Math.Abs(p.Item0 - color.Item0) + Math.Abs(p.Item1 - color.Item1) + Math.Abs(p.Item2 - color.Item2) < 30);
    }
}
