namespace Inspection.Detection.Packaging;

/// <summary>How close a run must come to the golden detections.</summary>
/// <param name="MinScore">Golden detections at or above this score must be found again.</param>
/// <param name="MinIou">A detection found again overlaps the golden one at least this much (same class).</param>
/// <param name="MaxScoreDifference">and its score differs by at most this. A detection of the run that no golden one
/// explains fails the comparison when its score is at least <see cref="MinScore"/> plus this margin.</param>
public sealed record GoldenTolerance(float MinScore, float MinIou, float MaxScoreDifference)
{
    /// <summary>
    /// The default: what the same int8 file gives on ONNX Runtime's CPU provider and on TensorRT stays well inside
    /// it; different weights do not.
    /// </summary>
    public static GoldenTolerance Default { get; } = new(MinScore: 0.25f, MinIou: 0.7f, MaxScoreDifference: 0.15f);
}
