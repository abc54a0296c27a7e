using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>A prediction to be scored against the ground truth.</summary>
/// <param name="ClassId">Index into the model's class names.</param>
/// <param name="Confidence">The model's score in [0, 1].</param>
/// <param name="Box">Where, in pixels of the frame.</param>
public readonly record struct ScoredBox(int ClassId, float Confidence, BoundingBox Box)
{
    /// <summary>The prediction a detector made, as the metrics see it.</summary>
    public static ScoredBox From(Inspection.Detection.Detection detection)
    {
        ArgumentNullException.ThrowIfNull(detection);
        return new ScoredBox(detection.ClassId, detection.Confidence, detection.Box);
    }
}
