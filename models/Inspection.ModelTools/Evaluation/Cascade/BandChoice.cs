using System.Globalization;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>The outcome of <see cref="BandChooser.Choose"/>.</summary>
/// <param name="TargetShare">The share of the cloud's mAP50 the cascade had to reach, e.g. 0.98.</param>
/// <param name="CloudMap50">The cloud model's mAP50 alone.</param>
/// <param name="Chosen">The chosen band; null when no band fits the escalation budget.</param>
/// <param name="MaxEscalatedShare">The escalation budget: the largest share of frames the band may escalate.</param>
/// <param name="ReachedTarget">Whether <paramref name="Chosen"/> reaches the target; false when it is only the most accurate band within the budget.</param>
/// <param name="MaxLower">The largest lower edge the band could have (1: any).</param>
public sealed record BandChoice(
    double TargetShare, double CloudMap50, SweepPoint? Chosen, double MaxEscalatedShare = 1.0, bool ReachedTarget = true, double MaxLower = 1.0)
{
    /// <summary>The mAP50 the cascade had to reach.</summary>
    public double TargetMap50 => TargetShare * CloudMap50;

    /// <summary>One line for the console and the model card.</summary>
    public string Describe()
    {
        var budget = (MaxEscalatedShare < 1 ? string.Create(CultureInfo.InvariantCulture, $" escalating at most {MaxEscalatedShare:P0} of frames") : string.Empty)
            + (MaxLower < 1 ? string.Create(CultureInfo.InvariantCulture, $" with a lower edge of at most {MaxLower:0.00}") : string.Empty);
        if (Chosen is not { } p)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Chosen band: none. No band in the sweep{budget} reaches {TargetShare:P0} of cloud-only mAP50 ({TargetMap50:0.000} of {CloudMap50:0.000}).");
        }

        var outcome = string.Create(CultureInfo.InvariantCulture,
            $"Chosen band: {p.Lower:0.00} / {p.Upper:0.00} escalates {p.EscalatedFraction:P1} of frames for cascade mAP50 {p.Map50:0.000} ({p.Map50 / CloudMap50:P1} of cloud-only {CloudMap50:0.000}; target {TargetShare:P0})");
        return ReachedTarget
            ? outcome + "."
            : outcome + string.Create(CultureInfo.InvariantCulture,
                $": the most accurate band{budget}; none of those reaches the target.");
    }
}
