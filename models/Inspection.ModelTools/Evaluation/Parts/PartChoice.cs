using System.Globalization;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>The outcome of <see cref="PartChooser.Choose"/>.</summary>
/// <param name="Chosen">The chosen settings; null when none meets every constraint.</param>
/// <param name="TargetShare">Share of it the cascade had to reach.</param>
/// <param name="MaxEscalatedShare">Largest share of parts that could be escalated.</param>
/// <param name="Considered">Settings scored.</param>
/// <param name="Feasible">Settings meeting every constraint.</param>
/// <param name="MaxFalseRejectShare">Largest share of clean parts the cascade could reject.</param>
public sealed record PartChoice(PartCandidate? Chosen, double TargetShare, double MaxEscalatedShare, int Considered, int Feasible, double MaxFalseRejectShare = PartChooser.DefaultMaxFalseRejectShare)
{
    /// <summary>One paragraph for the console and the model card.</summary>
    public string Describe()
    {
        if (Chosen is not { } c)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Chosen: none. Of {Considered} settings none passes no defective part, escalates at most {MaxEscalatedShare:P0} of parts, rejects at most {MaxFalseRejectShare:P0} of clean parts and keeps cascade mAP50 at {TargetShare:P0} of the cloud's.");
        }

        var s = c.Settings;
        var p = c.Score;
        return string.Create(CultureInfo.InvariantCulture,
            $"Chosen ({Feasible} of {Considered} settings meet the constraints): edge band {s.EdgeBand.Lower:0.00}/{s.EdgeBand.Upper:0.00}, cloud band {s.CloudBand.Lower:0.00}/{s.CloudBand.Upper:0.00}, "
            + $"K {s.MaxEscalatedFrames}, WholeViewsOnly {s.WholeViewsOnly}, NMS IoU {c.NmsIou:0.00}: {p.Parts} parts ({p.Defective} defective), {p.Escapes} defective passed, "
            + $"{p.FalseRejects} clean rejected, {p.Escalated} escalated ({p.EscalatedShare:P1}), {p.LeftToPerson} left to a person ({p.LeftToPersonShare:P1} of escalated), "
            + $"{p.EscalationsPerUncertainPart:0.00} escalations per escalated part; cascade mAP50 {c.CascadeMap50:0.000} ({c.CascadeMap50 / c.CloudMap50:P1} of the cloud's {c.CloudMap50:0.000}).");
    }
}
