namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>Picks the uncertain band to ship from a sweep: the cheapest one that is accurate enough, within the escalation budget.</summary>
public static class BandChooser
{
    /// <summary>The share of cloud-only mAP50 the cascade must reach by default.</summary>
    public const double DefaultTargetShare = 0.98;

    /// <summary>The share of frames the edge may escalate by default: the cloud is sized for this.</summary>
    public const double DefaultMaxEscalatedShare = 0.10;

    /// <summary>
    /// Among the points escalating at most <paramref name="maxEscalatedShare"/> of the frames whose lower edge is at
    /// most <paramref name="maxLower"/> (a frame whose best detection reaches it is never passed on the edge's word
    /// alone; mAP cannot see that, since a passed frame keeps its detections): those whose mAP50
    /// reaches <paramref name="targetShare"/> × <paramref name="cloudMap50"/>, the one that escalates the fewest
    /// frames (on a tie the more accurate one, then the narrower one: bands that escalate the same test frames differ
    /// on frames the test split does not have, and the narrower band escalates fewer of those). When none within the budget
    /// reaches the target, the most accurate one within the budget (on a tie the cheaper one), marked as short of
    /// the target: a line runs on a bounded cloud, so the budget is the harder limit.
    /// </summary>
    public static BandChoice Choose(
        IReadOnlyList<SweepPoint> points, double cloudMap50, double targetShare = DefaultTargetShare, double maxEscalatedShare = 1.0, double maxLower = 1.0)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!(targetShare is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetShare), targetShare, "The target share of cloud-only mAP50 must be above 0 and at most 1.");
        }

        if (!(maxEscalatedShare is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxEscalatedShare), maxEscalatedShare, "The escalation budget must be between 0 and 1 of the frames.");
        }

        if (!(maxLower is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxLower), maxLower, "The largest lower edge must be above 0 and at most 1.");
        }

        // A hair of tolerance so that a value equal to a limit in exact arithmetic is not refused over rounding.
        var target = (targetShare * cloudMap50) - 1e-12;
        var affordable = points.Where(p => p.EscalatedFraction <= maxEscalatedShare + 1e-12 && p.Lower <= maxLower + 1e-6).ToList();
        SweepPoint? best = null;
        foreach (var point in affordable.Where(p => p.Map50 >= target))
        {
            if (best is null || point.EscalatedCount < best.EscalatedCount
                || (point.EscalatedCount == best.EscalatedCount && point.Map50 > best.Map50)
                || (point.EscalatedCount == best.EscalatedCount && point.Map50 == best.Map50 && Narrower(point, best)))
            {
                best = point;
            }
        }

        if (best is not null)
        {
            return new BandChoice(targetShare, cloudMap50, best, maxEscalatedShare, ReachedTarget: true, maxLower);
        }

        foreach (var point in affordable)
        {
            if (best is null || point.Map50 > best.Map50 || (point.Map50 == best.Map50 && point.EscalatedCount < best.EscalatedCount))
            {
                best = point;
            }
        }

        return new BandChoice(targetShare, cloudMap50, best, maxEscalatedShare, ReachedTarget: false, maxLower);
    }

    private static bool Narrower(SweepPoint point, SweepPoint than) =>
        point.Upper - point.Lower < than.Upper - than.Lower - 1e-6;
}
