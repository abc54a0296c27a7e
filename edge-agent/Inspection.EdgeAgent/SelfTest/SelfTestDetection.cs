namespace Inspection.EdgeAgent.SelfTest;

/// <summary>One detection of the inference check, in pixels of the model's input.</summary>
public sealed record SelfTestDetection(int ClassId, string ClassName, float Confidence, float X1, float Y1, float X2, float Y2);
