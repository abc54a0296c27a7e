namespace Inspection.EdgeAgent.Inspection;

/// <summary>How the new model did in its health window, against the previous model on the same device.</summary>
/// <param name="Healthy">Inside every bound.</param>
/// <param name="Baseline">The previous model on the same frames, run beside the new one.</param>
/// <param name="Observed">The new model over the window.</param>
/// <param name="Reason">Why it is unhealthy (null when healthy), in words a person can act on.</param>
public sealed record HealthResult(bool Healthy, FrameStats Baseline, FrameStats Observed, string? Reason);
