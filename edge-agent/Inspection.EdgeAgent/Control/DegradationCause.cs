namespace Inspection.EdgeAgent.Control;

/// <summary>What can make a device degrade on its own. Wire names in <see cref="DegradationCauses"/>.</summary>
public enum DegradationCause
{
    /// <summary>The cloud does not answer (the forwarder's circuit is open): local-only, probing until it answers.</summary>
    CloudUnreachable,

    /// <summary>The outbox is near its quota: safe, since frames may be evicted before the cloud settles them.</summary>
    OutboxNearQuota,

    /// <summary>Inference is slower than the frame budget (a throttled device): reduced.</summary>
    InferenceSlow,

    /// <summary>The camera delivers no frames; the source reconnects.</summary>
    CameraLost,

    /// <summary>The model fails at run time and no previous model can take over: safe.</summary>
    ModelFailing,
}
