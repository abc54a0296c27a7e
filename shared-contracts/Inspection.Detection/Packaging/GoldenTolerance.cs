namespace Inspection.Detection.Packaging;

/// <summary>How close a run must come to the golden detections.</summary>
/// <param name="MinScore">Golden detections at or above this score must be found again.</param>
/// <param name="MinIou">A detection found again overlaps the golden one at least this much (same class).</param>
/// <param name="MaxScoreDifference">and its score differs by at most this. A detection of the run that no golden one
/// explains fails the comparison when its score is at least <see cref="MinScore"/> plus this margin.</param>
public sealed record GoldenTolerance(float MinScore, float MinIou, float MaxScoreDifference)
{
    /// <summary>
    /// The default: wide enough for a provider's rounding (TensorRT's int8/FP16 against the publisher's CPU run; not
    /// measured here, where there is no GPU), narrow enough that another model under the same name fails (tested).
    /// </summary>
    public static GoldenTolerance Default { get; } = new(MinScore: 0.25f, MinIou: 0.7f, MaxScoreDifference: 0.15f);
}
