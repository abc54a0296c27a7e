using Inspection.ModelTools.Review;

namespace Inspection.ModelTools.Tests.Review;

public sealed class TruthReviewerTests
{
    private static readonly string[] Classes = ["scratch", "spot", "crack", "dent"];
    private static readonly ReviewApiBox Part = new(0, null, 0, 100, 100, 300, 300);

    [Fact]
    public void Decide_TwoFramesOneRight_FixCountsFrameSwitchDrawAndDelete()
    {
        // Frame 1 is right; frame 2 misses the crack and has a spot where nothing is.
        var item = Item(
            Frame(1, Cloud("dent", 120, 120, 160, 160)),
            Frame(2, Cloud("spot", 250, 250, 260, 260)));
        var truth = Truth(
            (1, [new TruthBox("dent", 121, 121, 160, 160)]),
            (2, [new TruthBox("dent", 121, 121, 160, 160), new TruthBox("crack", 200, 120, 280, 130)]));

        var answer = TruthReviewer.Decide(item, truth);

        Assert.Equal("fix", answer.Action);

        // Frame 2: the spot moved onto one true box and set to dent (1 drag, 1 class key), the other drawn as a crack
        // (1 drag, 1 class key). f, ], Enter, 2 class keys = 5 keys; 2 drags; 2 frames looked at.
        Assert.Equal((5, 2, 2), (answer.Keys, answer.Drags, answer.FramesShown));
        Assert.Equal(["dent", "crack"], answer.Frames[2].Select(b => b.ClassName));
        Assert.Equal([3], answer.Frames[1].Select(b => b.ClassId));
    }

    [Fact]
    public void Decide_SameBoxOtherClass_NotAccepted()
    {
        var answer = TruthReviewer.Decide(Item(Frame(1, Cloud("scratch", 120, 120, 160, 160))), Truth((1, [new TruthBox("dent", 120, 120, 160, 160)])));

        Assert.Equal("fix", answer.Action);
        Assert.Equal((3, 1), (answer.Keys, answer.Drags));
    }

    [Fact]
    public void Decide_TrueDefectJustOutsideThePartsMargin_Rejected()
    {
        var answer = TruthReviewer.Decide(Item(Frame(1, Cloud("dent", 310, 120, 330, 140))), Truth((1, [new TruthBox("dent", 310, 120, 330, 140)])));

        Assert.Equal(("reject", 1, 0), (answer.Action, answer.Keys, answer.Drags));
    }

    [Fact]
    public void Decide_LineClassTheCloudModelLacks_RefusedNamingIt()
    {
        var item = Item(Frame(1)) with { ClassNames = ["scratch"] };

        var error = Assert.Throws<InvalidDataException>(() => TruthReviewer.Decide(item, Truth((1, [new TruthBox("dent", 120, 120, 160, 160)]))));

        Assert.Contains("the line's class 'dent' is not one of the cloud model's (scratch)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seconds_AcceptAndFix_KeystrokeLevelEstimate()
    {
        var accept = new ReviewAnswer("accept", new Dictionary<long, IReadOnlyList<ReviewApiBox>>(), 1, 0, 1);
        var fix = new ReviewAnswer("fix", new Dictionary<long, IReadOnlyList<ReviewApiBox>>(), 2, 1, 1);

        Assert.Equal(1.35 + 0.28, ReviewEffort.Seconds(accept), 6);
        Assert.Equal(1.35 + (2 * 0.28) + 2.4 + 0.8, ReviewEffort.Seconds(fix), 6);
    }

    private static ReviewApiBox Cloud(string name, double x1, double y1, double x2, double y2) => new(Array.IndexOf(Classes, name), name, 0.5, x1, y1, x2, y2);

    private static ReviewApiFrame Frame(long sequence, params ReviewApiBox[] cloud) => new(sequence, 640, 480, Part, cloud, Judged: true);

    private static ReviewApiItem Item(params ReviewApiFrame[] frames) => new("cam/7", "cam", 7, Classes, frames);

    private static Dictionary<long, TruthFrame> Truth(params (long Sequence, TruthBox[] Boxes)[] frames) =>
        frames.ToDictionary(f => f.Sequence, f => new TruthFrame((int)f.Sequence - 1, f.Boxes, [new TruthBox("part", 100, 100, 300, 300)]));
}
