namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>A recorded clip and what recording it cost per frame, in milliseconds.</summary>
public sealed record PartRecording(PartClip Clip, double RenderMs, double EdgeMs, double TrackerMs);
