namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>
/// One point of a class's raw precision-recall curve at IoU 0.5: the state after accepting every prediction of
/// the class down to and including this one (predictions in order of falling confidence).
/// </summary>
/// <param name="Confidence">The confidence of the prediction this point ends at.</param>
/// <param name="Precision">True positives / predictions accepted so far.</param>
/// <param name="Recall">True positives / ground-truth objects of the class (0 when the class has none).</param>
public readonly record struct PrecisionRecallPoint(float Confidence, double Precision, double Recall);
