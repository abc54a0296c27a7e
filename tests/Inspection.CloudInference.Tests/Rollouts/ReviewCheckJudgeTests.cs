using Inspection.CloudInference.Rollouts;
using Inspection.Contracts.Rollouts;
using Inspection.Detection;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>The review check's arithmetic: what counts as right, an escape or a false reject, and where each allowance ends.</summary>
public sealed class ReviewCheckJudgeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Judge_FewerPartsThanNeeded_FailsSayingHowManyAreMissing()
    {
        var result = ReviewCheckJudge.Judge(Check(minParts: 5), [Part(true, Decision.Defect), Part(false, Decision.Pass)], 2, Now);

        Assert.False(result.Passed);
        Assert.StartsWith("only 2 reviewed parts from the rollout's devices; at least 5 are needed", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_ReleaseDecidesAsTheReviewers_PassesAndCountsTheRunningModelsUncertainParts()
    {
        var result = ReviewCheckJudge.Judge(Check(), [Part(true, Decision.Defect), Part(false, Decision.Pass), Part(false, Decision.Uncertain)], 3, Now);

        Assert.True(result.Passed, result.Summary);
        Assert.Equal(new ReviewCheckCounts(Right: 2, Escapes: 0, FalseRejects: 0, Uncertain: 1), result.Release);
        Assert.Equal(new ReviewCheckCounts(Right: 0, Escapes: 0, FalseRejects: 0, Uncertain: 3), result.Running);
        Assert.Equal((3, 1, 2), (result.Parts, result.Defective, result.Clean));
        Assert.StartsWith("passed: on 3 held-out reviewed parts (1 defective, 2 clean) the release passes 0 defective", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_ReleasePassesAReviewedDefect_FailsUnlessTheAllowanceOrTheRunningModelCoversIt()
    {
        JudgedPart[] parts = [Part(true, Decision.Pass), Part(true, Decision.Defect), Part(false, Decision.Pass)];

        var strict = ReviewCheckJudge.Judge(Check(), parts, 3, Now);
        var allowed = ReviewCheckJudge.Judge(Check(escapes: 1), parts, 3, Now);
        var runningEscapedToo = ReviewCheckJudge.Judge(Check(), [Part(true, Decision.Pass, Decision.Pass), .. parts[1..]], 3, Now);

        Assert.False(strict.Passed);
        Assert.StartsWith("failed: it lets through 1 reviewed defective parts, at most 0 allowed", strict.Summary, StringComparison.Ordinal);
        Assert.True(allowed.Passed, allowed.Summary);
        Assert.True(runningEscapedToo.Passed, runningEscapedToo.Summary);
    }

    [Fact]
    public void Judge_FalseRejects_AllowedUpToTheShareOfCleanPartsRoundedUp()
    {
        // 10 clean parts: 5 % of them rounds up to 1 allowed false reject.
        List<JudgedPart> parts = [.. Enumerable.Range(0, 9).Select(_ => Part(false, Decision.Pass)), Part(false, Decision.Defect)];

        var one = ReviewCheckJudge.Judge(Check(), parts, 10, Now);
        var two = ReviewCheckJudge.Judge(Check(), [.. parts[1..], Part(false, Decision.Defect)], 10, Now);
        var none = ReviewCheckJudge.Judge(Check(falseRejects: 0), parts, 10, Now);

        Assert.True(one.Passed, one.Summary);
        Assert.False(two.Passed);
        Assert.Contains("it rejects 2 reviewed clean parts, at most 1 allowed", two.Summary, StringComparison.Ordinal);
        Assert.False(none.Passed);
    }

    private static JudgedPart Part(bool defective, Decision release, Decision running = Decision.Uncertain) => new(defective, release, running);

    private static ReviewCheck Check(int minParts = 1, int escapes = 0, double falseRejects = 0.05) =>
        new(minParts, 300, escapes, falseRejects, 0);
}
