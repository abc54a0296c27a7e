namespace Inspection.EdgeAgent.Forwarding;

/// <summary>
/// How the forwarder's last pass ended, for the reported state. Passes run one after another, so
/// <see cref="ForwardingStatus.Paused"/> also means that no escalation call is in flight.
/// </summary>
public sealed class ForwardingState
{
    private int _status = (int)ForwardingStatus.Idle;

    public ForwardingStatus Status => (ForwardingStatus)Volatile.Read(ref _status);

    public void PassEnded(ForwardingStatus status) => Volatile.Write(ref _status, (int)status);

    /// <summary>The wire name of <see cref="Status"/> in <c>ReportedState.Forwarding</c>.</summary>
    public string ToWire() => Status switch
    {
        ForwardingStatus.Idle => "idle",
        ForwardingStatus.Paused => "paused",
        ForwardingStatus.Sent => "sending",
        ForwardingStatus.Failed => "failing",
        ForwardingStatus.CircuitOpen => "circuit-open",
        ForwardingStatus.Throttled => "throttled",
        _ => throw new InvalidOperationException($"Unknown forwarding status {Status}."),
    };
}
