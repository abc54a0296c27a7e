using Inspection.Detection.Packaging;

namespace Inspection.Detection.Tests.Packaging;

public sealed class GoldenSetCheckTests
{
    private static readonly GoldenTolerance Tolerance = new(MinScore: 0.25f, MinIou: 0.7f, MaxScoreDifference: 0.1f);
    private static readonly GoldenDetection Scratch = new(0, "scratch", 0.80f, 100, 100, 200, 120);

    [Fact]
    public void Compare_SameDetections_Agree()
    {
        Assert.Null(GoldenSetCheck.Compare([Found(0, 0.80f, 100, 100, 200, 120)], [Scratch], Tolerance));
    }

    [Fact]
    public void Compare_SlightlyMovedAndRescored_AgreeWithinTheTolerance()
    {
        Assert.Null(GoldenSetCheck.Compare([Found(0, 0.72f, 102, 101, 201, 121)], [Scratch], Tolerance));
    }

    [Fact]
    public void Compare_GoldenDetectionMissing_DisagreeNamingIt()
    {
        var difference = GoldenSetCheck.Compare([], [Scratch], Tolerance);

        Assert.Equal("expected scratch 0.800 at (100,100)-(200,120), found no scratch overlapping it by 0.70 or more", difference);
    }

    [Fact]
    public void Compare_OtherClassAtTheSamePlace_Disagree()
    {
        Assert.NotNull(GoldenSetCheck.Compare([Found(1, 0.80f, 100, 100, 200, 120)], [Scratch], Tolerance));
    }

    [Fact]
    public void Compare_ScoreMovedTooFar_DisagreeWithTheScore()
    {
        var difference = GoldenSetCheck.Compare([Found(0, 0.55f, 100, 100, 200, 120)], [Scratch], Tolerance);

        Assert.Equal("expected scratch 0.800 at (100,100)-(200,120), found it at score 0.550 (allowed difference 0.10)", difference);
    }

    [Fact]
    public void Compare_ConfidentDetectionThePublisherDidNotHave_Disagree()
    {
        var difference = GoldenSetCheck.Compare([Found(0, 0.80f, 100, 100, 200, 120), Found(1, 0.60f, 300, 300, 340, 340)], [Scratch], Tolerance);

        Assert.Equal("found dent 0.600 at (300,300)-(340,340), which the publisher's run did not detect", difference);
    }

    [Fact]
    public void Compare_WeakDetectionsNearTheThreshold_DoNotDecide()
    {
        // Below the minimum score a golden detection need not be found again; an extra one below the minimum plus the
        // margin may be a golden one that scored a little higher here.
        var golden = new GoldenDetection(1, "dent", 0.20f, 300, 300, 340, 340);

        Assert.Null(GoldenSetCheck.Compare([Found(0, 0.80f, 100, 100, 200, 120), Found(0, 0.30f, 10, 10, 20, 20)], [Scratch, golden], Tolerance));
    }

    private static Detection Found(int classId, float score, float x1, float y1, float x2, float y2) =>
        new(classId, classId == 0 ? "scratch" : "dent", score, new BoundingBox(x1, y1, x2, y2));
}
