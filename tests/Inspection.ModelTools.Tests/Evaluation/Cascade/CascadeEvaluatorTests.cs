using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;
using static Inspection.ModelTools.Tests.Evaluation.Cascade.CascadeTestData;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class CascadeEvaluatorTests
{
    [Fact]
    public void Evaluate_HandMadeCase_ReportsEachModelTheCascadeAndTheChoice()
    {
        var evaluation = CascadeEvaluator.Evaluate(
            FourFramesRecorded(), 7, ["scratch", "spot"], 0.25f, new DecisionBand(0.35f, 0.75f), 0.98, TestContext.Current.CancellationToken);

        Assert.Equal([CascadeEvaluation.Edge, CascadeEvaluation.Cloud, CascadeEvaluation.Cascade], evaluation.Reports.Keys);
        Assert.Equal(1.0, evaluation.Reports[CascadeEvaluation.Cloud].Map50, 9);

        // Band 0.35 / 0.75 escalates frames 1 (0.5) and 3 (0.6); frame 2's misplaced box stays.
        Assert.Equal(2, evaluation.EscalatedCount);
        Assert.Equal(76 / 101.0, evaluation.Reports[CascadeEvaluation.Cascade].Map50, 9);
        Assert.Equal(4, evaluation.FrameCount);
        Assert.Equal(7, evaluation.Seed);
        Assert.NotNull(evaluation.Choice.Chosen);
        Assert.Equal(2, evaluation.Choice.Chosen.EscalatedCount);
        Assert.True(evaluation.Choice.Chosen.Lower <= 0.2f && evaluation.Choice.Chosen.Upper is > 0.5f and <= 0.6f);
    }

    [Fact]
    public void ThinCurves_ManyFalsePositives_KeepsRecallStepsAndLastPoint()
    {
        // Frame 0: one scratch found at 0.9, then 5 false positives; frame 1: a scratch found at 0.05.
        List<ScoredBox> noise = [.. Enumerable.Range(0, 5).Select(k => new ScoredBox(0, 0.5f - (k * 0.05f), new BoundingBox(100 + (k * 50), 300, 140 + (k * 50), 340)))];
        EvaluationImage[] images =
        [
            new([new LabeledBox(0, Defect)], [new ScoredBox(0, 0.9f, Defect), .. noise]),
            new([new LabeledBox(0, Elsewhere)], [new ScoredBox(0, 0.05f, Elsewhere), new ScoredBox(0, 0.01f, Defect)]),
        ];
        var report = DetectionMetrics.Compute(images, 2, 0.25f);

        var thin = CascadeEvaluator.ThinCurves(report);

        Assert.Equal(8, report.Classes[0].Curve.Count);
        Assert.Equal([0.9f, 0.05f, 0.01f], thin.Classes[0].Curve.Select(p => p.Confidence));
        Assert.Equal(report.Map50, thin.Map50);
    }
}
