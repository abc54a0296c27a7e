namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// Picks the part settings to ship from a sweep: among those that pass no defective part, escalate at most the
/// budget's share of parts, reject at most a small share of clean parts and keep the frame-level cascade's mAP50 at the target share of the cloud's, the one
/// leaving the fewest parts to a person, then escalating the fewest parts, then rejecting the fewest clean parts,
/// then sending the fewest frames; last the lowest lower edge and then the highest upper edge. Bands that decide the
/// validation parts alike differ only on parts it does not have; the widest of them leaves the most room between
/// what the validation parts scored and a verdict on the edge's word, so an unseen part in that gap is escalated
/// instead of passed or rejected.
/// </summary>
public static class PartChooser
{
    public const double DefaultTargetShare = 0.98;

    public const double DefaultMaxEscalatedShare = 0.10;

    /// <summary>
    /// The share of clean parts the cascade may reject by default. Without it the cheapest setting is a band that
    /// rejects anything doubtful on the edge: it escalates nothing and leaves nothing to a person, and neither the
    /// escape count nor the frame mAP (a rejected frame keeps its detections) sees the good parts it scraps.
    /// </summary>
    public const double DefaultMaxFalseRejectShare = 0.02;

    /// <summary>True when <paramref name="candidate"/> meets every constraint.</summary>
    public static bool Meets(PartCandidate candidate, double targetShare, double maxEscalatedShare, double maxFalseRejectShare = DefaultMaxFalseRejectShare)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var clean = candidate.Score.Parts - candidate.Score.Defective;
        return candidate.Score.Escapes == 0
            && candidate.Score.FalseRejects <= (maxFalseRejectShare * clean) + 1e-9
            && candidate.Score.EscalatedShare <= maxEscalatedShare + 1e-12
            && candidate.CascadeMap50 >= (targetShare * candidate.CloudMap50) - 1e-12;
    }

    /// <param name="candidates">The sweep.</param>
    /// <param name="targetShare">Share of it the cascade must reach.</param>
    /// <param name="maxEscalatedShare">Largest share of parts that may be escalated.</param>
    /// <param name="maxFalseRejectShare">Largest share of clean parts the cascade may reject.</param>
    /// <param name="alsoConsidered">Settings dropped before they became candidates, counted as considered.</param>
    public static PartChoice Choose(
        IEnumerable<PartCandidate> candidates, double targetShare = DefaultTargetShare, double maxEscalatedShare = DefaultMaxEscalatedShare,
        double maxFalseRejectShare = DefaultMaxFalseRejectShare, int alsoConsidered = 0)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetShare);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEscalatedShare);
        var considered = alsoConsidered;
        var feasible = 0;
        PartCandidate? best = null;
        foreach (var candidate in candidates)
        {
            considered++;
            if (!Meets(candidate, targetShare, maxEscalatedShare, maxFalseRejectShare))
            {
                continue;
            }

            feasible++;
            if (best is null || Better(candidate, best))
            {
                best = candidate;
            }
        }

        return new PartChoice(best, targetShare, maxEscalatedShare, considered, feasible, maxFalseRejectShare);
    }

    private static bool Better(PartCandidate a, PartCandidate b)
    {
        var order = a.Score.LeftToPerson.CompareTo(b.Score.LeftToPerson);
        order = order != 0 ? order : a.Score.Escalated.CompareTo(b.Score.Escalated);
        order = order != 0 ? order : a.Score.FalseRejects.CompareTo(b.Score.FalseRejects);
        order = order != 0 ? order : a.Score.EscalatedFrames.CompareTo(b.Score.EscalatedFrames);
        order = order != 0 ? order : a.Settings.EdgeBand.Lower.CompareTo(b.Settings.EdgeBand.Lower);
        order = order != 0 ? order : b.Settings.EdgeBand.Upper.CompareTo(a.Settings.EdgeBand.Upper);
        return order < 0;
    }
}
