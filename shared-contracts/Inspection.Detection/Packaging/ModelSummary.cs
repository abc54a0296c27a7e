namespace Inspection.Detection.Packaging;

/// <summary>The model's own metadata as the package states it; the registry and the device check the file agrees.</summary>
/// <param name="Classes">Class names in class-id order.</param>
/// <param name="InputWidth">Network input width in pixels.</param>
/// <param name="InputHeight">Network input height in pixels.</param>
/// <param name="Layout">Output layout: <c>YoloV5</c>, <c>YoloV8</c> or <c>EndToEnd</c> (<see cref="YoloOutputLayout"/>).</param>
public sealed record ModelSummary(IReadOnlyList<string> Classes, int InputWidth, int InputHeight, string Layout);
