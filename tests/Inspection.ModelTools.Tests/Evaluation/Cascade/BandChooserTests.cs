using Inspection.ModelTools.Evaluation.Cascade;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class BandChooserTests
{
    [Fact]
    public void Choose_NoPointReachesTarget_MostAccurateMarkedShort()
    {
        SweepPoint[] points = [Point(0.3f, 0.7f, 5, 0.90), Point(0.1f, 0.9f, 40, 0.97)];

        var choice = BandChooser.Choose(points, cloudMap50: 1.0, targetShare: 0.98);

        Assert.Same(points[1], choice.Chosen);
        Assert.False(choice.ReachedTarget);
        Assert.EndsWith("none of those reaches the target.", choice.Describe(), StringComparison.Ordinal);
        Assert.Equal(0.98, choice.TargetMap50, 12);
    }

    [Fact]
    public void Choose_TargetOnlyReachedOverBudget_MostAccurateWithinBudget()
    {
        SweepPoint[] points = [Point(0.1f, 0.9f, 40, 0.99), Point(0.2f, 0.7f, 9, 0.93), Point(0.3f, 0.7f, 5, 0.93), Point(0.4f, 0.7f, 3, 0.90)];

        var choice = BandChooser.Choose(points, cloudMap50: 1.0, targetShare: 0.98, maxEscalatedShare: 0.10);

        Assert.Same(points[2], choice.Chosen); // as accurate as 0.2/0.7, and cheaper
        Assert.False(choice.ReachedTarget);
        Assert.Contains("the most accurate band escalating at most 10 % of frames", choice.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_TargetReachedWithinBudget_CheapestThatReachesIt()
    {
        SweepPoint[] points = [Point(0.1f, 0.9f, 40, 1.0), Point(0.2f, 0.7f, 9, 0.985), Point(0.3f, 0.7f, 7, 0.981), Point(0.4f, 0.7f, 3, 0.90)];

        var choice = BandChooser.Choose(points, cloudMap50: 1.0, targetShare: 0.98, maxEscalatedShare: 0.10);

        Assert.Same(points[2], choice.Chosen);
        Assert.True(choice.ReachedTarget);
    }

    [Theory]
    [InlineData(40, 0.1f, 0.10, 1.0, "Chosen band: none. No band in the sweep escalating at most 10 % of frames")]
    [InlineData(6, 0.65f, 1.0, 0.25, "Chosen band: none. No band in the sweep with a lower edge of at most 0.25")]
    public void Choose_NoBandWithinTheLimits_SaysNone(int escalated, float lower, double maxEscalated, double maxLower, string expected)
    {
        SweepPoint[] points = [Point(lower, 0.9f, escalated, 1.0)];

        var choice = BandChooser.Choose(points, cloudMap50: 1.0, maxEscalatedShare: maxEscalated, maxLower: maxLower);

        Assert.Null(choice.Chosen);
        Assert.StartsWith(expected, choice.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_SeveralReachTarget_PicksFewestEscalations()
    {
        SweepPoint[] points = [Point(0.1f, 0.9f, 40, 1.0), Point(0.3f, 0.7f, 12, 0.985), Point(0.4f, 0.7f, 8, 0.95)];

        var choice = BandChooser.Choose(points, cloudMap50: 1.0);

        Assert.Same(points[1], choice.Chosen);
        Assert.Contains("0.30 / 0.70", choice.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_TieOnEscalations_PicksMoreAccurate()
    {
        SweepPoint[] points = [Point(0.3f, 0.7f, 12, 0.985), Point(0.3f, 0.8f, 12, 0.99)];

        var choice = BandChooser.Choose(points, cloudMap50: 1.0);

        Assert.Same(points[1], choice.Chosen);
    }

    [Fact]
    public void Choose_ExactlyAtTarget_Accepts()
    {
        SweepPoint[] points = [Point(0.3f, 0.7f, 3, 0.49)];

        var choice = BandChooser.Choose(points, cloudMap50: 0.5, targetShare: 0.98);

        Assert.Same(points[0], choice.Chosen);
    }

    [Fact]
    public void Choose_MaxLower_OnlyBandsThatEscalateEveryFrameWithADetectionAtIt()
    {
        // The edge alone (an empty band, 0.75 / 0.75) already reaches the target: only the lower-edge limit makes
        // the choice escalate the frames whose best detection lies between 0.25 and 0.75.
        SweepPoint[] points = [Point(0.75f, 0.75f, 0, 0.985), Point(0.65f, 0.85f, 6, 0.99), Point(0.25f, 0.85f, 7, 0.99), Point(0.05f, 0.85f, 8, 0.99)];

        var unlimited = BandChooser.Choose(points, cloudMap50: 1.0, maxEscalatedShare: 0.10);
        var limited = BandChooser.Choose(points, cloudMap50: 1.0, targetShare: 0.99, maxEscalatedShare: 0.10, maxLower: 0.25);

        Assert.Same(points[0], unlimited.Chosen);
        Assert.Same(points[2], limited.Chosen);
        Assert.True(limited.ReachedTarget);
        Assert.Equal(0.25, limited.MaxLower);
    }

    [Fact]
    public void Choose_SameFramesAndAccuracy_PicksTheNarrowerBand()
    {
        SweepPoint[] points = [Point(0.05f, 0.85f, 7, 0.99), Point(0.25f, 0.85f, 7, 0.99), Point(0.15f, 0.85f, 7, 0.99)];

        var choice = BandChooser.Choose(points, cloudMap50: 1.0, targetShare: 0.99);

        Assert.Same(points[1], choice.Chosen);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    public void Choose_MaxLowerOutOfRange_Throws(double maxLower)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BandChooser.Choose([], 1.0, maxLower: maxLower));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    public void Choose_TargetShareOutOfRange_Throws(double share)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BandChooser.Choose([], 1.0, share));
    }

    private static SweepPoint Point(float lower, float upper, int escalated, double map50) =>
        new(lower, upper, escalated, escalated / 100.0, map50, map50 / 2, UpperFixed: false);
}
