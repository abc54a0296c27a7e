using Inspection.CloudInference.Rollouts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>How a rollout request becomes waves: the canary, cumulative percentages or an exponential ramp, and the defaults.</summary>
public sealed class RolloutPlanTests
{
    private static readonly IReadOnlyDictionary<string, ReportedState?> Fleet =
        Enumerable.Range(1, 100).ToDictionary(i => $"cam-{i:000}", i => (ReportedState?)TestDevices.Reported($"cam-{i:000}"));

    [Fact]
    public void Create_CanaryFiveThenQuarterThenAll_WavesOfFiveTwentyAndSeventyFive()
    {
        var plan = RolloutPlan.Create(new RolloutRequest(1, new RolloutTarget(All: true), new RolloutStrategy(new CanarySpec(5), [25, 100])), Fleet);

        Assert.Equal([5, 20, 75], plan.Waves.Select(w => w.Count));
        Assert.Equal(100, plan.Waves.SelectMany(w => w).Distinct().Count());
    }

    [Fact]
    public void Create_Ramp_WavesGrowByTheFactorUntilAll()
    {
        var plan = RolloutPlan.Create(new RolloutRequest(1, new RolloutTarget(All: true), new RolloutStrategy(new CanarySpec(1), Ramp: new RampSpec(5, 2))), Fleet);

        // Cumulative 5, 10, 20, 40, 80, 100 % after a canary of one.
        Assert.Equal([1, 4, 5, 10, 20, 40, 20], plan.Waves.Select(w => w.Count));
    }

    [Fact]
    public void Create_NoStrategy_OneCanaryThenTheRestAndEveryDefaultFilledIn()
    {
        var plan = RolloutPlan.Create(new RolloutRequest(1, new RolloutTarget(All: true)), Fleet);

        Assert.Equal([1, 99], plan.Waves.Select(w => w.Count));
        var strategy = plan.Strategy;
        Assert.Equal((1.0, 1, 900, 10), (strategy.SuccessThreshold, strategy.FailureThreshold!.Count, strategy.DeviceTimeoutSeconds, strategy.MaxConcurrentUpdates));
        Assert.Equal(new AccuracyGate(20, 5, 2, 0.02, 2, 0.1), strategy.AccuracyGate);
    }

    [Fact]
    public void Resolve_ReviewCheck_DefaultsFilledInAndNoneWithoutOne()
    {
        var resolved = RolloutPlan.Resolve(new RolloutStrategy(ReviewCheck: new ReviewCheck()));
        var without = RolloutPlan.Resolve(new RolloutStrategy());

        Assert.Equal(new ReviewCheck(20, 300, 0, 0.05, 0, false), resolved.ReviewCheck);
        Assert.Null(without.ReviewCheck);
    }

    [Theory]
    [InlineData(0, null, null, null, null, "reviewCheck.minParts must be between 1 and 100000")]
    [InlineData(50, 10, null, null, null, "reviewCheck.maxParts must be between minParts (50) and 100000")]
    [InlineData(null, null, -1, null, null, "reviewCheck.escapeAllowance must not be negative")]
    [InlineData(null, null, null, 1.5, null, "reviewCheck.falseRejectAllowance is a share of the clean parts")]
    [InlineData(null, null, null, null, -0.1, "reviewCheck.shadowMinAgreement must be in [0, 1]")]
    public void Resolve_ReviewCheckOutOfRange_RefusedNamingTheMember(int? minParts, int? maxParts, int? escapes, double? falseRejects, double? shadow, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => RolloutPlan.Resolve(new RolloutStrategy(ReviewCheck: new ReviewCheck(minParts, maxParts, escapes, falseRejects, shadow))));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NamedCanaryOutsideTheTarget_Refused()
    {
        var request = new RolloutRequest(1, new RolloutTarget(Devices: ["cam-001", "cam-002"]), new RolloutStrategy(new CanarySpec(Devices: ["cam-050"])));

        var error = Assert.Throws<ArgumentException>(() => RolloutPlan.Create(request, Fleet));

        Assert.Equal("canary device 'cam-050' is not in the rollout's target", error.Message);
    }

    [Theory]
    [InlineData("22:00", "04:00", 23, true)]
    [InlineData("22:00", "04:00", 3, true)]
    [InlineData("22:00", "04:00", 12, false)]
    [InlineData("08:00", "10:00", 9, true)]
    [InlineData("08:00", "10:00", 10, false)]
    public void MaintenanceWindow_IsOpen_AlsoAcrossMidnight(string start, string end, int hour, bool open)
    {
        Assert.Equal(open, MaintenanceWindows.IsOpen(new MaintenanceWindow(start, end), new DateTimeOffset(2026, 12, 6, hour, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void MaintenanceWindow_InItsTimeZone()
    {
        // 21:30 UTC is 22:30 in Berlin in December.
        Assert.True(MaintenanceWindows.IsOpen(new MaintenanceWindow("22:00", "23:00", "Europe/Berlin"), new DateTimeOffset(2026, 12, 6, 21, 30, 0, TimeSpan.Zero)));
        Assert.Throws<ArgumentException>(() => MaintenanceWindows.IsOpen(new MaintenanceWindow("22:00", "23:00", "Mars/Olympus"), DateTimeOffset.UtcNow));
    }
}
