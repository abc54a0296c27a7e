namespace Inspection.ModelTools.Review;

/// <summary>A box as the review API shows it (a detection, or a part's box without class and score).</summary>
/// <param name="ClassId">Class id in the item's classes.</param>
/// <param name="ClassName">Class name.</param>
/// <param name="Confidence">The model's score.</param>
/// <param name="X1">Left.</param>
/// <param name="Y1">Top.</param>
/// <param name="X2">Right.</param>
/// <param name="Y2">Bottom.</param>
public sealed record ReviewApiBox(int ClassId, string? ClassName, double Confidence, double X1, double Y1, double X2, double Y2);
