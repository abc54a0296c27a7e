using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;
using static Inspection.ModelTools.Tests.Evaluation.Cascade.CascadeTestData;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class CascadeCombinerTests
{
    [Fact]
    public void Combine_UncertainFrames_TakeCloudPredictionsExactly()
    {
        var frames = FourFrames();

        var outcome = CascadeCombiner.Combine(frames, new DecisionBand(0.15f, 0.55f));

        Assert.Equal([Decision.Defect, Decision.Uncertain, Decision.Uncertain, Decision.Defect], outcome.Decisions);
        for (var i = 0; i < frames.Count; i++)
        {
            var expected = outcome.Decisions[i] == Decision.Uncertain ? frames[i].Cloud : frames[i].Edge;
            Assert.Equal(expected.Select(ScoredBox.From), outcome.Images[i].Predictions);
            Assert.Same(frames[i].Truth, outcome.Images[i].Truth);
            Assert.Equal(frames[i].Source, outcome.Images[i].Source);
        }
    }

    [Fact]
    public void Combine_TwoOfFourUncertain_CountsHalfEscalated()
    {
        var outcome = CascadeCombiner.Combine(FourFrames(), new DecisionBand(0.15f, 0.55f));

        Assert.Equal(2, outcome.EscalatedCount);
        Assert.Equal(0.5, outcome.EscalatedFraction);
    }

    [Fact]
    public void Combine_FrameWithoutEdgeDetections_PassesAndKeepsNoPredictions()
    {
        CascadeFrame[] frames = [new([new LabeledBox(0, Defect)], [], [Det(0.9f, Defect)])];

        var outcome = CascadeCombiner.Combine(frames, new DecisionBand(0.35f, 0.75f));

        Assert.Equal([Decision.Pass], outcome.Decisions);
        Assert.Empty(outcome.Images[0].Predictions);
        Assert.Equal(0, outcome.EscalatedCount);
    }

    [Fact]
    public void Combine_BestConfidenceAtLowerEdge_Escalates()
    {
        CascadeFrame[] frames = [new([], [Det(0.35f, Elsewhere), Det(0.1f, Defect)], [])];

        var outcome = CascadeCombiner.Combine(frames, new DecisionBand(0.35f, 0.75f));

        Assert.Equal([Decision.Uncertain], outcome.Decisions);
        Assert.Empty(outcome.Images[0].Predictions);
    }

    [Fact]
    public void Combine_InvertedBand_ThrowsNamingTheEdge()
    {
        var error = Assert.Throws<ArgumentException>(() => CascadeCombiner.Combine(FourFrames(), new DecisionBand(0.8f, 0.5f)));

        Assert.Contains("upper edge", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combine_NoFrames_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => CascadeCombiner.Combine([], new DecisionBand(0.35f, 0.75f)));

        Assert.Contains("no frames", error.Message, StringComparison.Ordinal);
    }
}
