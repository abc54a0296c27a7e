namespace Inspection.EdgeAgent.Control;

/// <summary>Wire names of <see cref="DegradationCause"/> (kebab-case), as the reported state and the events carry them.</summary>
public static class DegradationCauses
{
    public static string ToWire(this DegradationCause cause) => cause switch
    {
        DegradationCause.CloudUnreachable => "cloud-unreachable",
        DegradationCause.OutboxNearQuota => "outbox-near-quota",
        DegradationCause.InferenceSlow => "inference-slow",
        DegradationCause.CameraLost => "camera-lost",
        DegradationCause.ModelFailing => "model-failing",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, "Unknown degradation cause."),
    };
}
