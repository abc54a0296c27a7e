using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Parts;

namespace Inspection.ModelTools.Tests.Evaluation.Parts;

public sealed class PartChooserTests
{
    [Fact]
    public void Choose_SeveralMeetTheConstraints_PicksFewestLeftToAPersonThenFewestEscalated()
    {
        PartCandidate[] candidates =
        [
            Candidate(0.30f, escalated: 3, left: 2),
            Candidate(0.35f, escalated: 5, left: 1),
            Candidate(0.40f, escalated: 4, left: 1),
            Candidate(0.45f, escalated: 1, left: 0, escapes: 1),
            Candidate(0.50f, escalated: 2, left: 0, map: 0.90),
            Candidate(0.55f, escalated: 20, left: 0),
            Candidate(0.60f, escalated: 1, left: 0, falseRejects: 5),
        ];

        var choice = PartChooser.Choose(candidates);

        Assert.Equal(0.40f, choice.Chosen!.Settings.EdgeBand.Lower);
        Assert.Equal(7, choice.Considered);
        Assert.Equal(3, choice.Feasible);
    }

    [Fact]
    public void Choose_NoneMeetsTheConstraints_ChoosesNothing()
    {
        var choice = PartChooser.Choose([Candidate(0.3f, escalated: 1, left: 0, escapes: 1), Candidate(0.4f, escalated: 11, left: 0)]);

        Assert.Null(choice.Chosen);
        Assert.Equal(0, choice.Feasible);
        Assert.StartsWith("Chosen: none.", choice.Describe(), StringComparison.Ordinal);
    }

    // 100 parts, 40 defective: 10 % is 10 escalated parts, 2 % of clean parts is 1.2 false rejects.
    private static PartCandidate Candidate(float lower, int escalated, int left, int escapes = 0, double map = 0.99, int falseRejects = 0) =>
        new(
            new PartSettings(new DecisionBand(lower, 0.9f), new DecisionBand(0.4f, 0.7f), 3, true),
            new PartScore(100, 40, escapes, falseRejects, escalated, left, escalated, escalated * 3, 0, 0, 0, escalated / 2, 0),
            map,
            CloudMap50: 1.0,
            NmsIou: 0.3f);
}
