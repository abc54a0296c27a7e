namespace Inspection.Detection.Packaging;

/// <summary>
/// A few frames and the detections the publisher's run of the model produced on them. Before a device (or the
/// registry) trusts a loaded model, it runs these frames and compares with <see cref="Tolerance"/>: a file that
/// loads but computes something else (wrong weights, a broken engine build, a provider that mis-runs an op) fails.
/// </summary>
public sealed record GoldenSet(GoldenTolerance Tolerance, IReadOnlyList<GoldenFrame> Frames);
