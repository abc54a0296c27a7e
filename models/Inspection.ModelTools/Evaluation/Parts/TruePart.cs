namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>A part of the synthetic line as the clip shows it.</summary>
/// <param name="Id">The line's part id.</param>
/// <param name="Defective">Whether the part carries a defect.</param>
/// <param name="WithinClip">Whether the part entered and left within the clip; only such parts are scored.</param>
public sealed record TruePart(int Id, bool Defective, bool WithinClip);
