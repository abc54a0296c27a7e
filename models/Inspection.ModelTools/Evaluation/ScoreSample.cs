namespace Inspection.ModelTools.Evaluation;

/// <summary>One measured score: of a defect (its class's best score over its box) or of a part (best score of any class over the plate).</summary>
/// <param name="Kind">What was measured: a clear or faint defect, a clean or defective part.</param>
/// <param name="ClassId">The defect's class, or -1 for a part.</param>
/// <param name="Score">The model's score.</param>
/// <param name="Seed">Seed of the line.</param>
/// <param name="FrameIndex">Frame of the line.</param>
public sealed record ScoreSample(SampleKind Kind, int ClassId, float Score, int Seed, long FrameIndex);
