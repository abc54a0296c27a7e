using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Metrics;
using static Inspection.ModelTools.Tests.Evaluation.Cascade.CascadeTestData;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class TestSplitPredictionsTests
{
    [Fact]
    public void Constructor_ModelWithTooFewFrames_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new TestSplitPredictions(
            [[new LabeledBox(0, Defect)], []],
            ["a", "b"],
            new Dictionary<string, IReadOnlyList<IReadOnlyList<Inspection.Detection.Detection>>> { ["cloud"] = [[]] }));

        Assert.Contains("'cloud' has predictions for 1 frames, not 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_UnknownModel_ThrowsListingRecorded()
    {
        var recorded = FourFramesRecorded();

        var error = Assert.Throws<KeyNotFoundException>(() => recorded.Of("edge-fp32"));

        Assert.Contains("recorded: edge, cloud", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CascadeFrames_Recorded_PairsEdgeAndCloudPerFrame()
    {
        var recorded = FourFramesRecorded();

        var frames = recorded.CascadeFrames(CascadeEvaluation.Edge, CascadeEvaluation.Cloud);

        Assert.Equal(FourFrames().Select(f => f.Edge[0]), frames.Select(f => f.Edge[0]));
        Assert.Equal(FourFrames().Select(f => f.Cloud[0]), frames.Select(f => f.Cloud[0]));
        Assert.Equal(["f0", "f1", "f2", "f3"], frames.Select(f => f.Source));
    }
}
