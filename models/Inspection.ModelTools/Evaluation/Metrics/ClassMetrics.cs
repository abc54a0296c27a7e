namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>The metrics of one class.</summary>
/// <param name="ClassId">Index into the model's class names.</param>
/// <param name="TruthCount">Ground-truth objects of the class over all images.</param>
/// <param name="PredictionCount">Predictions of the class over all images, whatever their confidence.</param>
/// <param name="Ap50">Average precision at IoU 0.5; null when the class has no ground truth.</param>
/// <param name="Ap50To95">Mean of the average precisions at IoU 0.50:0.05:0.95; null when the class has no ground truth.</param>
/// <param name="ApPerIouThreshold">
/// Average precision at each of <see cref="DetectionMetrics.IouThresholds"/>, same order; null when the class has no ground truth.
/// </param>
/// <param name="AtThreshold">Counts, precision and recall at the report's confidence threshold.</param>
/// <param name="AtBestF1">
/// Counts, precision and recall at the confidence that maximizes F1 (the highest such confidence on a tie); null when
/// the class has no ground truth or no predictions.
/// </param>
/// <param name="Curve">The raw precision-recall curve at IoU 0.5, one point per prediction, confidence falling.</param>
public sealed record ClassMetrics(
    int ClassId,
    int TruthCount,
    int PredictionCount,
    double? Ap50,
    double? Ap50To95,
    IReadOnlyList<double>? ApPerIouThreshold,
    OperatingPoint AtThreshold,
    OperatingPoint? AtBestF1,
    IReadOnlyList<PrecisionRecallPoint> Curve);
