namespace Inspection.ModelTools.Evaluation;

/// <summary>What a <see cref="ScoreSample"/> measured.</summary>
public enum SampleKind
{
    ClearDefect,
    FaintDefect,
    CleanPart,
    DefectivePart,
}
