namespace Inspection.Detection;

/// <summary>A decoded box before NMS, in network-input pixels (corners). A struct so decoding allocates nothing.</summary>
public readonly record struct DetectionCandidate(int ClassId, float Score, float X1, float Y1, float X2, float Y2);
