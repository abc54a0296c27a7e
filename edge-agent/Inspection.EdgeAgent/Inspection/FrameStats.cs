namespace Inspection.EdgeAgent.Inspection;

/// <summary>A model's behaviour over a run of frames.</summary>
/// <param name="Frames">Frames inspected.</param>
/// <param name="Errors">Frames the model failed on.</param>
/// <param name="MeanLatencyMs">Mean inference time of the frames it did not fail on.</param>
/// <param name="UncertainRate">Share of frames decided uncertain (escalated).</param>
public sealed record FrameStats(int Frames, int Errors, double MeanLatencyMs, double UncertainRate);
