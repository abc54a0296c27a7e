using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>A ground-truth object: what a labeller marked in the frame.</summary>
/// <param name="ClassId">Index into the model's class names.</param>
/// <param name="Box">Where, in pixels of the frame; must have a positive width and height.</param>
public readonly record struct LabeledBox(int ClassId, BoundingBox Box);
