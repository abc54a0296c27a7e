using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;
using static Inspection.ModelTools.Tests.Evaluation.Cascade.CascadeTestData;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class FrameVerdictsTests
{
    /// <summary>Three frames with a scratch (edge best 0.9, 0.1, 0.5) and three without (edge best 0.9, none, 0.3).</summary>
    private static IReadOnlyList<CascadeFrame> SixFrames() =>
    [
        new([new LabeledBox(0, Defect)], [Det(0.9f, Defect)], [], "defect, clear"),
        new([new LabeledBox(0, Defect)], [Det(0.1f, Defect)], [], "defect, faint"),
        new([new LabeledBox(0, Defect)], [Det(0.5f, Defect), Det(0.05f, Elsewhere)], [], "defect, unsure"),
        new([], [Det(0.9f, Elsewhere)], [], "clean, false alarm"),
        new([], [], [], "clean, nothing"),
        new([], [Det(0.3f, Elsewhere)], [], "clean, unsure"),
    ];

    [Fact]
    public void Count_ShippedLikeBand_OneEscapeAndOneGoodPartRejected()
    {
        var verdicts = FrameVerdicts.Count(SixFrames(), new DecisionBand(0.25f, 0.85f));

        Assert.Equal(new FrameVerdicts(DefectiveFrames: 3, DefectivePassed: 1, CleanFrames: 3, CleanRejected: 1), verdicts);
    }

    [Fact]
    public void Count_LowerEdgeBelowTheFaintDefect_NoEscape()
    {
        var verdicts = FrameVerdicts.Count(SixFrames(), new DecisionBand(0.05f, 0.95f));

        Assert.Equal(new FrameVerdicts(3, 0, 3, 0), verdicts);
    }

    [Fact]
    public void Sweep_EachPointCountsItsOwnVerdicts()
    {
        var frames = SixFrames();
        SweepBand[] bands = [new(new DecisionBand(0.25f, 0.85f), false), new(new DecisionBand(0.6f, 0.7f), false)];

        var points = BandSweep.Run(frames, bands, 1, 0.25f, TestContext.Current.CancellationToken);

        Assert.Equal((1, 1), (points[0].DefectivePassed, points[0].CleanRejected));
        Assert.Equal((2, 1), (points[1].DefectivePassed, points[1].CleanRejected)); // 0.5 now passes too
    }

    [Fact]
    public void Models_Table_SaysWhatTheShippedBandDoesToWholeFrames()
    {
        var evaluation = CascadeEvaluator.Evaluate(
            FourFramesRecorded(), 7, ["scratch", "spot"], 0.25f, new DecisionBand(0.35f, 0.75f), 0.98, TestContext.Current.CancellationToken);

        // Frame 2's edge box (0.2, misplaced) is below 0.35: that frame is passed although it has a scratch.
        Assert.Equal(new FrameVerdicts(4, 1, 0, 0), evaluation.Verdicts);
        Assert.Contains(
            "Frames with the shipped band 0.35 / 0.75: the edge passes 1 of 4 with a labelled defect (the cloud never sees them) and rejects 0 of 0 without one by itself.",
            EvaluationTable.Models(evaluation),
            StringComparison.Ordinal);
    }
}
