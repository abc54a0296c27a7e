namespace Inspection.CloudInference.Review;

/// <summary>A box a reviewer drew or kept, in pixels of the original frame.</summary>
/// <param name="ClassId">Class id in the cloud model's classes.</param>
/// <param name="X1">Left.</param>
/// <param name="Y1">Top.</param>
/// <param name="X2">Right.</param>
/// <param name="Y2">Bottom.</param>
public sealed record ReviewBox(int ClassId, double X1, double Y1, double X2, double Y2);
