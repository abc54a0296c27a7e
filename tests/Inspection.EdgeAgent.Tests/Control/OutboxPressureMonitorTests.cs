using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Control;

public sealed class OutboxPressureMonitorTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(Now);
    private readonly OutboxOptions _options = new() { MaxEntries = 20, NearQuotaEnterShare = 0.9, NearQuotaExitShare = 0.75 };

    [Fact]
    public void Evaluate_OutboxFillsAndDrains_EntersSafeAtTheEnterShareAndLeavesOnlyBelowTheExitShare()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var outbox = new OutboxStore(database, TestOptions.Of(_options), _time);
        var state = new DeviceState(new ControlStateStore(database));
        var events = new DeviceEvents(TestOptions.Edge(), _time);
        using var monitor = new OutboxPressureMonitor(outbox, state, events, TestOptions.Of(_options), _time, NullLogger<OutboxPressureMonitor>.Instance);

        for (var id = 1; id <= 17; id++)
        {
            Add(outbox, id);
        }

        Assert.False(state.HasCause(DegradationCause.OutboxNearQuota));

        Add(outbox, 18);
        Assert.Equal(DegradationMode.Safe, state.EffectiveMode);
        var cause = Assert.Single(state.AutomaticCauses);
        Assert.Equal(("outbox-near-quota", "safe"), (cause.Cause, cause.Mode));
        Assert.Contains("90 %", cause.Reason, StringComparison.Ordinal);

        // 17 and 16 of 20 (85 %, 80 %): between the thresholds nothing changes.
        outbox.Complete(1, "pass", [], "cloud", Now);
        outbox.Complete(2, "pass", [], "cloud", Now);
        Assert.Equal(DegradationMode.Safe, state.EffectiveMode);

        // 15 of 20 is 75 %: not below the exit share yet; 14 is.
        outbox.Complete(3, "pass", [], "cloud", Now);
        Assert.True(state.HasCause(DegradationCause.OutboxNearQuota));
        outbox.Complete(4, "pass", [], "cloud", Now);

        Assert.Equal(DegradationMode.Normal, state.EffectiveMode);
        Assert.Equal(["degraded", "recovered"], Drain(events).Select(e => e.Type));
    }

    [Fact]
    public void Constructor_RestartWithAFullOutbox_StartsSafe()
    {
        var path = _temp.File("edge.db");
        using (var database = new EdgeDatabase(path))
        {
            var outbox = new OutboxStore(database, TestOptions.Of(_options), _time);
            for (var id = 1; id <= 19; id++)
            {
                Add(outbox, id);
            }
        }

        using var reopened = new EdgeDatabase(path);
        var state = new DeviceState(new ControlStateStore(reopened));
        var events = new DeviceEvents(TestOptions.Edge(), _time);
        using var monitor = new OutboxPressureMonitor(
            new OutboxStore(reopened, TestOptions.Of(_options), _time), state, events, TestOptions.Of(_options), _time, NullLogger<OutboxPressureMonitor>.Instance);

        Assert.Equal(DegradationMode.Safe, state.EffectiveMode);
        var degraded = Assert.Single(Drain(events));
        Assert.Equal("degraded", degraded.Type);
        Assert.Contains("outbox-near-quota", degraded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ByteShareNearQuota_EntersSafeEvenWithFewEntries()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var options = new OutboxOptions { MaxBytes = 1_048_576 };
        var outbox = new OutboxStore(database, TestOptions.Of(options), _time);
        var state = new DeviceState(new ControlStateStore(database));
        using var monitor = new OutboxPressureMonitor(outbox, state, new DeviceEvents(TestOptions.Edge(), _time), TestOptions.Of(options), _time, NullLogger<OutboxPressureMonitor>.Instance);

        Add(outbox, 1, jpegBytes: 500_000);
        Assert.False(state.HasCause(DegradationCause.OutboxNearQuota));
        Add(outbox, 2, jpegBytes: 460_000);

        Assert.True(state.HasCause(DegradationCause.OutboxNearQuota));
        Assert.Equal(2, outbox.Usage.Entries);
    }

    private static void Add(OutboxStore outbox, long id, int jpegBytes = 100) =>
        outbox.Escalate(
            new InspectionRecord { Id = id, Decision = Decision.Uncertain },
            new OutboxEntry { Id = id, CapturedAt = Now.UtcDateTime, Jpeg = new byte[jpegBytes], Uncertainty = 0.5 });

    private static List<DeviceEvent> Drain(DeviceEvents events)
    {
        var drained = new List<DeviceEvent>();
        while (events.TryPeek(out var deviceEvent))
        {
            drained.Add(deviceEvent);
            events.Dequeue();
        }

        return drained;
    }

    public void Dispose() => _temp.Dispose();
}
