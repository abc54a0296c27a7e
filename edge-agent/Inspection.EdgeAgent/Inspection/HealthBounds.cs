namespace Inspection.EdgeAgent.Inspection;

/// <summary>What a new model may do in its health window before it is rolled back.</summary>
/// <param name="Frames">Frames watched before commit.</param>
/// <param name="MaxErrors">Inference errors tolerated (a failure beyond them rolls back at once).</param>
/// <param name="MaxLatencyRatio">Mean inference time at most this many times the previous model's…</param>
/// <param name="LatencyToleranceMs">…unless it is at most this many milliseconds slower (below it, a difference is noise).</param>
/// <param name="MaxUncertainRatio">Uncertain rate at most this many times the previous model's…</param>
/// <param name="UncertainSlack">…plus this share of frames (so a model that escalated nothing is not judged by 0 × ratio).</param>
public sealed record HealthBounds(int Frames, int MaxErrors, double MaxLatencyRatio, double LatencyToleranceMs, double MaxUncertainRatio, double UncertainSlack);
