using Inspection.EdgeAgent.Diagnostics;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Outbox write failures are not part of the reported stats; they reach the fleet as events, one per check in which
/// they grew.
/// </summary>
internal sealed class OutboxHealthMonitor
{
    private readonly EdgeStats _stats;
    private readonly DeviceEvents _events;
    private long _failuresSeen;
    private long _droppedSeen;

    public OutboxHealthMonitor(EdgeStats stats, DeviceEvents events)
    {
        _stats = stats;
        _events = events;
    }

    public void Check()
    {
        var failures = _stats.OutboxWriteFailures;
        var dropped = _stats.OutboxDropped;
        if (failures == _failuresSeen && dropped == _droppedSeen)
        {
            return;
        }

        _failuresSeen = failures;
        _droppedSeen = dropped;
        _events.Raise(
            "outbox-write-failed",
            $"the outbox could not be written {failures} times since start; {_stats.OutboxPendingRetry} uncertain frames wait in memory, {dropped} were given up");
    }
}
