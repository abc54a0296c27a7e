using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Rollouts;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>The accuracy gate's verdict: a clear regression fails, chance on few frames does not.</summary>
public sealed class AccuracyGateCheckTests
{
    private static readonly AccuracyGate Gate = RolloutPlan.Resolve(new RolloutStrategy()).AccuracyGate!;
    private static readonly Disagreement None = new(0, 0);

    [Fact]
    public void Judge_EscalationRateFiveTimesTheBefore_Fails()
    {
        var reason = AccuracyGateCheck.Judge(Gate, (50, 1000), (60, 240), None, None);

        Assert.Equal("accuracy gate: the new model escalates 25.0 % of 240 frames, the previous one 5.0 % of 1000 on this device (at most 15.1 % allowed, 95 % intervals)", reason);
    }

    [Fact]
    public void Judge_SameRate_Passes()
    {
        Assert.Null(AccuracyGateCheck.Judge(Gate, (50, 1000), (12, 240), None, None));
    }

    [Fact]
    public void Judge_FewFramesBeforeTheUpdate_NotFailedOnChance()
    {
        // A device that had just started: 0 escalations in 45 frames before, 5 in 100 after.
        Assert.Null(AccuracyGateCheck.Judge(Gate, (0, 45), (5, 100), None, None));
    }

    [Fact]
    public void Judge_CloudContradictsTheNewModelFarMoreOften_Fails()
    {
        var reason = AccuracyGateCheck.Judge(Gate, (50, 1000), (12, 240), new Disagreement(100, 5), new Disagreement(40, 30));

        Assert.StartsWith("accuracy gate: the cloud contradicted the new model on 30 of 40 escalations (75.0 %)", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, 0.0, 1.0)]
    [InlineData(50, 1000, 0.0381, 0.0653)]
    public void Wilson_KnownIntervals(long successes, long trials, double lower, double upper)
    {
        Assert.Equal(lower, AccuracyGateCheck.Lower(successes, trials), 3);
        Assert.Equal(upper, AccuracyGateCheck.Upper(successes, trials), 3);
    }
}
