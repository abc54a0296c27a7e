namespace Inspection.Contracts.Escalations;

/// <summary>Limits of the escalation call that the edge and the cloud must agree on.</summary>
public static class EscalationLimits
{
    /// <summary>
    /// Largest escalation message (one frame, or one part with all its frames): 8 MiB. The cloud reads no larger one
    /// (its default <c>Cloud:Escalations:MaxMessageBytes</c>), and the edge sends no larger one, so a frame the cloud
    /// would refuse for its size is refused on the device without crossing the network.
    /// </summary>
    public const int MaxMessageBytes = 8 * 1024 * 1024;
}
