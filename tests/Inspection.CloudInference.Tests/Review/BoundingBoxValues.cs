namespace Inspection.CloudInference.Tests.Review;

/// <summary>A box's corners in pixels, as the line's ground truth gives them.</summary>
public readonly record struct BoundingBoxValues(double X1, double Y1, double X2, double Y2);
