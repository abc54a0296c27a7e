using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;
using static Inspection.ModelTools.Tests.Evaluation.Cascade.CascadeTestData;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class BandSweepTests
{
    private static readonly SweepBand[] HandMadeBands =
    [
        new(new DecisionBand(0.05f, 1f), false),
        new(new DecisionBand(0.15f, 0.65f), false),
        new(new DecisionBand(0.3f, 0.55f), false),
        new(new DecisionBand(0.15f, 0.55f), false),
    ];

    [Fact]
    public void Run_HandMadeCase_ScoresEachBand()
    {
        var points = BandSweep.Run(FourFrames(), HandMadeBands, classCount: 2, confidenceThreshold: 0.25f, TestContext.Current.CancellationToken);

        Assert.Equal([4, 3, 1, 2], points.Select(p => p.EscalatedCount));
        Assert.Equal([1.0, 0.75, 0.25, 0.5], points.Select(p => p.EscalatedFraction));
        Assert.Equal(1.0, points[0].Map50, 9);
        Assert.Equal(1.0, points[1].Map50, 9);

        // Band 0.30 / 0.55 leaves frame 2's misplaced box: 3 of 4 scratches at precision 1, so 76 of 101 recall levels.
        Assert.Equal(76 / 101.0, points[2].Map50, 9);
        Assert.Equal(1.0, points[3].Map50, 9);
        Assert.Equal([0.3f, 0.55f], [points[2].Lower, points[2].Upper]);
    }

    [Fact]
    public void RunThenChoose_HandMadeCase_FindsCheapestBandReachingTarget()
    {
        var points = BandSweep.Run(FourFrames(), HandMadeBands, classCount: 2, confidenceThreshold: 0.25f, TestContext.Current.CancellationToken);

        var choice = BandChooser.Choose(points, cloudMap50: 1.0, targetShare: 0.98);

        Assert.NotNull(choice.Chosen);
        Assert.Equal((0.15f, 0.55f), (choice.Chosen.Lower, choice.Chosen.Upper));
        Assert.Equal(2, choice.Chosen.EscalatedCount);
    }

    [Fact]
    public void Grid_ShippedBand_SweepsLowerAtShippedUpperAndPairsBelowOne()
    {
        var shipped = new DecisionBand(0.33f, 0.75f);

        var grid = BandSweep.Grid(shipped);

        Assert.Contains(new SweepBand(shipped, true), grid);
        Assert.All(grid.Where(b => b.UpperFixed), b => Assert.Equal(0.75f, b.Band.Upper));
        Assert.Contains(grid, b => b.UpperFixed && b.Band.Lower == 0.05f);
        Assert.Contains(grid, b => b.UpperFixed && b.Band.Lower == 0.75f);
        Assert.All(grid.Where(b => !b.UpperFixed), b => Assert.True(b.Band.Lower < b.Band.Upper && b.Band.Upper <= 1f));
        Assert.Contains(grid, b => b.Band == new DecisionBand(0.05f, 1f));
        Assert.Equal(grid.Count, grid.Select(b => b.Band).Distinct().Count());
        Assert.All(grid, b => Assert.Null(b.Band.Validate()));
    }

    [Fact]
    public void Grid_InvalidShippedBand_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => BandSweep.Grid(new DecisionBand(0f, 0.5f)));

        Assert.Contains("lower edge", error.Message, StringComparison.Ordinal);
    }
}
