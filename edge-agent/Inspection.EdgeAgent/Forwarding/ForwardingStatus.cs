namespace Inspection.EdgeAgent.Forwarding;

/// <summary>How a forwarding pass ended.</summary>
public enum ForwardingStatus
{
    /// <summary>Nothing due in the outbox.</summary>
    Idle,

    /// <summary>The effective mode is local-only: nothing is sent, the outbox keeps the frames.</summary>
    Paused,

    /// <summary>A batch was sent and the call completed.</summary>
    Sent,

    /// <summary>The call failed (cloud unreachable, deadline); unanswered frames are backed off.</summary>
    Failed,

    /// <summary>The cloud failed repeatedly; no call until it is probed again.</summary>
    CircuitOpen,
}
