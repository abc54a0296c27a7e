using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Control;

public sealed class DeviceStateTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void Constructor_AfterRestart_ResumesTheAppliedDesiredState()
    {
        var path = _temp.File("edge.db");
        using (var database = new EdgeDatabase(path))
        {
            new DeviceState(new ControlStateStore(database)).Apply(new DesiredState(1, 4, DegradationModes.LocalOnly));
        }

        using var reopened = new EdgeDatabase(path);
        var state = new DeviceState(new ControlStateStore(reopened));

        Assert.Equal(4, state.AppliedDesiredVersion);
        Assert.Equal(DegradationMode.LocalOnly, state.EffectiveMode);

        // The broker re-delivers the retained state after the restart: it is not applied twice.
        Assert.Equal(DesiredStateOutcome.Stale, state.Apply(new DesiredState(1, 4, DegradationModes.LocalOnly)));
    }

    [Fact]
    public void Constructor_AfterRestart_ResumesTheDesiredModelTarget()
    {
        var path = _temp.File("model.db");
        var target = new ModelTarget("edge", 7, "2.7.0", new string('a', 64), 1234, "http://cloud:5180/api/models/7/manifest.json", new string('b', 64), "c2ln", ShadowFrames: 20);
        using (var database = new EdgeDatabase(path))
        {
            new DeviceState(new ControlStateStore(database)).Apply(new DesiredState(1, 2, DegradationModes.Normal, Model: target));
        }

        using var reopened = new EdgeDatabase(path);
        var state = new DeviceState(new ControlStateStore(reopened));

        Assert.Equal(target, state.DesiredModel);
        Assert.Equal(2, state.AppliedDesiredVersion);
    }

    [Fact]
    public void EffectiveMode_AutomaticMoreSevereThanCommanded_IsTheAutomaticOne()
    {
        using var database = new EdgeDatabase(_temp.File("auto.db"));
        var state = new DeviceState(new ControlStateStore(database));
        var changes = 0;
        state.Changed += () => changes++;
        var at = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

        Assert.True(state.SetCause(DegradationCause.CloudUnreachable, DegradationMode.LocalOnly, "cloud unreachable", at));

        Assert.Equal(DegradationMode.Normal, state.CommandedMode);
        Assert.Equal(DegradationMode.LocalOnly, state.EffectiveMode);
        Assert.Equal("cloud unreachable", state.AutomaticReason);
        Assert.Equal(1, changes);

        Assert.True(state.ClearCause(DegradationCause.CloudUnreachable));

        Assert.Equal(DegradationMode.Normal, state.EffectiveMode);
        Assert.Null(state.AutomaticReason);
        Assert.False(state.ClearCause(DegradationCause.CloudUnreachable));
        Assert.Equal(2, changes);
    }

    [Fact]
    public void EffectiveMode_SeveralCauses_MostSevereWinsAndEachLeavesOnItsOwn()
    {
        using var database = new EdgeDatabase(_temp.File("causes.db"));
        var state = new DeviceState(new ControlStateStore(database));
        state.Apply(new DesiredState(1, 1, DegradationModes.Reduced));
        var at = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

        state.SetCause(DegradationCause.CloudUnreachable, DegradationMode.LocalOnly, "cloud unreachable", at);
        state.SetCause(DegradationCause.OutboxNearQuota, DegradationMode.Safe, "outbox at 91 % of its quota", at.AddSeconds(1));

        Assert.Equal(DegradationMode.Safe, state.EffectiveMode);
        Assert.True(state.IsInForce(DegradationMode.Reduced));
        Assert.True(state.IsInForce(DegradationMode.LocalOnly));
        Assert.Equal("outbox at 91 % of its quota; cloud unreachable", state.AutomaticReason);
        Assert.Equal(["cloud-unreachable", "outbox-near-quota"], state.AutomaticCauses.Select(c => c.Cause));

        state.ClearCause(DegradationCause.OutboxNearQuota);

        Assert.Equal(DegradationMode.LocalOnly, state.EffectiveMode);
        Assert.False(state.IsAutomaticInForce(DegradationMode.LocalOnly, except: DegradationCause.CloudUnreachable));
    }

    [Fact]
    public void Reject_KeepsTheModeAndRecordsTheReason()
    {
        using var database = new EdgeDatabase(_temp.File("reject.db"));
        var state = new DeviceState(new ControlStateStore(database));
        state.Apply(new DesiredState(1, 1, DegradationModes.LocalOnly));

        state.Reject("topic", "payload is empty", DateTimeOffset.UnixEpoch);

        Assert.Equal(DegradationMode.LocalOnly, state.EffectiveMode);
        Assert.Equal(new RejectedPayload("topic", "payload is empty", DateTimeOffset.UnixEpoch), state.LastRejected);
    }

    public void Dispose() => _temp.Dispose();
}
