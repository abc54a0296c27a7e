namespace Inspection.Detection;

/// <summary>One detected object.</summary>
/// <param name="ClassId">Index into <see cref="ModelMetadata.ClassNames"/>.</param>
/// <param name="ClassName">The class name from the model's metadata.</param>
/// <param name="Confidence">Class score in [0, 1] (for YOLOv5 exports: objectness × class score).</param>
/// <param name="Box">Where, in pixels of the original frame.</param>
public sealed record Detection(int ClassId, string ClassName, float Confidence, BoundingBox Box);
