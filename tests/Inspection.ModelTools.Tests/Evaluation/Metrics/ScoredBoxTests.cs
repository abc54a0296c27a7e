using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Tests.Evaluation.Metrics;

public sealed class ScoredBoxTests
{
    [Fact]
    public void From_Detection_KeepsClassConfidenceAndBox()
    {
        var box = new BoundingBox(1, 2, 30, 40);

        var scored = ScoredBox.From(new Inspection.Detection.Detection(3, "crack", 0.42f, box));

        Assert.Equal(new ScoredBox(3, 0.42f, box), scored);
    }
}
