namespace Inspection.Detection.Packaging;

/// <summary>One golden frame: the image file in the package and what the publisher's run detected on it.</summary>
public sealed record GoldenFrame(PackageFile Image, IReadOnlyList<GoldenDetection> Detections);
