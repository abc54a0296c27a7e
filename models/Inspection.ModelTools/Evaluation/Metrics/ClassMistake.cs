using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>A labelled box the model found but gave another class (an off-diagonal entry of a confusion matrix).</summary>
/// <param name="ImageIndex">Index of the image in the evaluated list.</param>
/// <param name="Source">The image's source (e.g. <c>test/000147 (line frame 5589)</c>), when known.</param>
/// <param name="TruthClassId">The labelled class.</param>
/// <param name="GivenClassId">The class of the prediction paired with the box.</param>
/// <param name="Confidence">That prediction's confidence.</param>
/// <param name="Truth">The labelled box, in frame pixels.</param>
/// <param name="Predicted">The predicted box, in frame pixels.</param>
public sealed record ClassMistake(
    int ImageIndex, string? Source, int TruthClassId, int GivenClassId, float Confidence, BoundingBox Truth, BoundingBox Predicted);
