namespace Inspection.ModelTools.Line;

/// <summary>
/// Which part the synthetic line carries. Both variants carry the same defect classes, drawn the same way; they
/// differ in how the plate looks, as a new part number from another supplier or finishing process would.
/// </summary>
public enum LineVariant
{
    /// <summary>The original part: light-grey machined plates with a faint brushed finish (what the shipped models were trained on).</summary>
    A = 0,

    /// <summary>
    /// A new part variant: darker, blue-anodised plates with a strong brushed finish, dense streaks along the plate
    /// that look like faint scratches to a model that never saw them. Still well above the part tracker's threshold.
    /// </summary>
    B = 1,
}
