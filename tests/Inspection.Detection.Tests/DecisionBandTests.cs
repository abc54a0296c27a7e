namespace Inspection.Detection.Tests;

public sealed class DecisionBandTests
{
    private static readonly DecisionBand Band = new(0.3f, 0.7f);

    [Theory]
    [InlineData(0.0f, Decision.Pass)]
    [InlineData(0.2999f, Decision.Pass)]
    [InlineData(0.3f, Decision.Uncertain)]
    [InlineData(0.6999f, Decision.Uncertain)]
    [InlineData(0.7f, Decision.Defect)]
    [InlineData(1.0f, Decision.Defect)]
    public void Decide_BestConfidence_LowerEdgeUncertainUpperEdgeDefect(float confidence, Decision expected)
    {
        var detections = new[] { Detection(0.1f), Detection(confidence) };

        Assert.Equal(expected, Band.Decide(detections));
    }

    [Fact]
    public void Decide_NoDetections_Pass()
    {
        Assert.Equal(Decision.Pass, Band.Decide([]));
    }

    [Fact]
    public void Validate_ValidBand_ReturnsNull()
    {
        Assert.Null(Band.Validate());
        Assert.Null(new DecisionBand(0.5f, 0.5f).Validate());
    }

    [Theory]
    [InlineData(0f, 0.5f, "lower edge")]
    [InlineData(1f, 1f, "lower edge")]
    [InlineData(0.6f, 0.5f, "upper edge")]
    [InlineData(0.5f, 1.1f, "upper edge")]
    public void Validate_InvalidBand_NamesTheEdge(float lower, float upper, string edge)
    {
        var message = new DecisionBand(lower, upper).Validate();

        Assert.NotNull(message);
        Assert.Contains(edge, message, StringComparison.Ordinal);
    }

    private static Detection Detection(float confidence) => new(0, "scratch", confidence, new BoundingBox(0, 0, 1, 1));
}
