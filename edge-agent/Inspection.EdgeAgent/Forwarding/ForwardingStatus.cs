namespace Inspection.EdgeAgent.Forwarding;

/// <summary>How a forwarding pass ended.</summary>
public enum ForwardingStatus
{
    /// <summary>Nothing due in the outbox.</summary>
    Idle,

    /// <summary>Local-only is in force (commanded, or asked by a cause other than the cloud's): nothing is sent, the outbox keeps the frames.</summary>
    Paused,

    /// <summary>A batch was sent and the call completed.</summary>
    Sent,

    /// <summary>The call failed (cloud unreachable, deadline); unanswered frames are backed off.</summary>
    Failed,

    /// <summary>
    /// The cloud is busy: it refused the call with <c>RESOURCE_EXHAUSTED</c> and a retry hint (<c>grpc-retry-pushback-ms</c>).
    /// Unanswered frames stay in the outbox, not counted as failed attempts, and are sent again after the hint.
    /// </summary>
    Throttled,

    /// <summary>The cloud is unreachable (cause <c>cloud-unreachable</c>): only health probes go out until enough of them are answered.</summary>
    CircuitOpen,
}
