namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>Picks the uncertain band to ship from a sweep: the cheapest one that is accurate enough.</summary>
public static class BandChooser
{
    /// <summary>The share of cloud-only mAP50 the cascade must reach by default.</summary>
    public const double DefaultTargetShare = 0.98;

    /// <summary>
    /// Among the points whose mAP50 reaches <paramref name="targetShare"/> × <paramref name="cloudMap50"/>, the one
    /// that escalates the fewest frames; on a tie the more accurate one, then the earlier one in the sweep.
    /// </summary>
    public static BandChoice Choose(IReadOnlyList<SweepPoint> points, double cloudMap50, double targetShare = DefaultTargetShare)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!(targetShare is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetShare), targetShare, "The target share of cloud-only mAP50 must be above 0 and at most 1.");
        }

        // A hair of tolerance so that a cascade equal to the target in exact arithmetic is not refused over rounding.
        var target = (targetShare * cloudMap50) - 1e-12;
        SweepPoint? best = null;
        foreach (var point in points)
        {
            if (point.Map50 < target)
            {
                continue;
            }

            if (best is null || point.EscalatedCount < best.EscalatedCount
                || (point.EscalatedCount == best.EscalatedCount && point.Map50 > best.Map50))
            {
                best = point;
            }
        }

        return new BandChoice(targetShare, cloudMap50, best);
    }
}
