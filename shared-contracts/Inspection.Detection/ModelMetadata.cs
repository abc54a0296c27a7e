namespace Inspection.Detection;

/// <summary>
/// What a detection model says about itself in its ONNX metadata, in the Ultralytics convention
/// (<c>names</c>, <c>imgsz</c>, <c>stride</c>, <c>task</c>, <c>description</c>, <c>version</c>).
/// </summary>
/// <param name="Name">Model name (metadata <c>description</c>, else the file name).</param>
/// <param name="Version">Model version (metadata <c>version</c>).</param>
/// <param name="ClassNames">Class names by class id (metadata <c>names</c>).</param>
/// <param name="InputWidth">Network input width in pixels (metadata <c>imgsz</c>, else the input shape).</param>
/// <param name="InputHeight">Network input height in pixels.</param>
/// <param name="Stride">Largest stride of the network (metadata <c>stride</c>); letterbox padding aligns to it for dynamic inputs.</param>
/// <param name="Task">Ultralytics task; only <c>detect</c> is supported.</param>
public sealed record ModelMetadata(
    string Name,
    string Version,
    IReadOnlyList<string> ClassNames,
    int InputWidth,
    int InputHeight,
    int Stride,
    string Task);
