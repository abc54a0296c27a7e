namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>One point of the part-level sweep.</summary>
/// <param name="Settings">The bands, K and the whole-view rule.</param>
/// <param name="Score">What they do to the parts of the clips.</param>
/// <param name="CascadeMap50">The frame-level cascade's mAP50 with the same edge band on sampled frames.</param>
/// <param name="CloudMap50">The cloud's frame-level mAP50 alone on the same frames and NMS overlap.</param>
/// <param name="NmsIou">The NMS overlap both models ran with.</param>
public sealed record PartCandidate(PartSettings Settings, PartScore Score, double CascadeMap50, double CloudMap50, float NmsIou);
