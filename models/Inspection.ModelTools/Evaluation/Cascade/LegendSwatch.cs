namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>How a legend entry shows its series.</summary>
internal enum LegendSwatch
{
    Line,
    Dashed,
    Dot,
    Ring,
}
