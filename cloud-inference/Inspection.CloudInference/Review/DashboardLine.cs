namespace Inspection.CloudInference.Review;

/// <summary>One line on the review dashboard.</summary>
/// <param name="LineId">The line.</param>
/// <param name="Buckets">Its hours, oldest first.</param>
/// <param name="Frames">Frames the line's online devices report inspected since they started (null: no device reports).</param>
/// <param name="EscalatedFrames">Of those, frames they escalated.</param>
/// <param name="EscalationRate">EscalatedFrames / Frames now (null when unknown): since the devices started, not per hour.</param>
public sealed record DashboardLine(
    string LineId,
    IReadOnlyList<DashboardBucket> Buckets,
    long? Frames,
    long? EscalatedFrames,
    double? EscalationRate);
