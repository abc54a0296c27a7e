namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>The cloud model's detections in one frame of a saved clip.</summary>
public sealed record SavedCloudFrame(int Frame, IReadOnlyList<Inspection.Detection.Detection> Detections);
