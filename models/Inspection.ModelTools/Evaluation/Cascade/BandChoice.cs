using System.Globalization;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>The outcome of <see cref="BandChooser.Choose"/>.</summary>
/// <param name="TargetShare">The share of the cloud's mAP50 the cascade had to reach, e.g. 0.98.</param>
/// <param name="CloudMap50">The cloud model's mAP50 alone.</param>
/// <param name="Chosen">The cheapest band that reaches the target; null when none does.</param>
public sealed record BandChoice(double TargetShare, double CloudMap50, SweepPoint? Chosen)
{
    /// <summary>The mAP50 the cascade had to reach.</summary>
    public double TargetMap50 => TargetShare * CloudMap50;

    /// <summary>One line for the console and the model card.</summary>
    public string Describe() => Chosen is { } p
        ? string.Create(CultureInfo.InvariantCulture,
            $"Chosen band: {p.Lower:0.00} / {p.Upper:0.00} escalates {p.EscalatedFraction:P1} of frames for cascade mAP50 {p.Map50:0.000} ({p.Map50 / CloudMap50:P1} of cloud-only {CloudMap50:0.000}; target {TargetShare:P0}).")
        : string.Create(CultureInfo.InvariantCulture,
            $"Chosen band: none. No band in the sweep reaches {TargetShare:P0} of cloud-only mAP50 ({TargetMap50:0.000} of {CloudMap50:0.000}).");
}
