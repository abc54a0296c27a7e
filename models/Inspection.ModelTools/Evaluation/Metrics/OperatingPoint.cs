namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>
/// How one class scores at IoU 0.5 when only predictions with confidence ≥ <paramref name="Confidence"/> are kept.
/// </summary>
/// <param name="Confidence">The confidence threshold.</param>
/// <param name="TruePositives">Kept predictions that matched a ground-truth object.</param>
/// <param name="FalsePositives">Kept predictions that matched nothing (including duplicates).</param>
/// <param name="FalseNegatives">Ground-truth objects no kept prediction matched.</param>
/// <param name="Precision">TP / (TP + FP); 0 when nothing is kept.</param>
/// <param name="Recall">TP / (TP + FN); 0 when the class has no ground truth.</param>
/// <param name="F1">Harmonic mean of precision and recall; 0 when both are 0.</param>
public sealed record OperatingPoint(
    float Confidence, int TruePositives, int FalsePositives, int FalseNegatives, double Precision, double Recall, double F1);
