namespace Inspection.Trainer.Validation;

/// <summary>Detection quality at one score threshold: greedy matching, IoU ≥ 0.5, same class.</summary>
/// <param name="Frames">Validation frames looked at.</param>
/// <param name="Defects">Ground-truth defects on them.</param>
/// <param name="Detections">Detections at or above the threshold.</param>
/// <param name="TruePositives">Detections matched to a defect.</param>
/// <param name="ScoreThreshold">The threshold used.</param>
/// <param name="PerClass">Per class name: (defects, detections, true positives).</param>
public sealed record QualityReport(
    int Frames,
    int Defects,
    int Detections,
    int TruePositives,
    float ScoreThreshold,
    IReadOnlyDictionary<string, (int Defects, int Detections, int TruePositives)> PerClass)
{
    public double Recall => Defects == 0 ? 0 : (double)TruePositives / Defects;

    public double Precision => Detections == 0 ? 0 : (double)TruePositives / Detections;
}
