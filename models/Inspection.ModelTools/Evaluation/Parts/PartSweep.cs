using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// The part-level sweep, on the 0.05 grid (lower &lt; upper ≤ 1, lower at least the score threshold that side drops
/// detections below). Per whole-view rule (on and off) the cloud band and K are chosen first on the cloud's own view of
/// every part (<see cref="ChooseCloud"/>), then every edge band is scored with them. Edge settings that already fail on the edge alone (they pass a defective part,
/// reject more clean parts than allowed, escalate more parts than the budget, or their frame-level cascade misses the mAP target) are dropped before any
/// cloud band is tried, so the cloud never runs on what only they would escalate.
/// </summary>
public static class PartSweep
{
    /// <summary>The K values tried.</summary>
    public static IReadOnlyList<int> KValues { get; } = [1, 2, 3];

    /// <summary>Every band lower &lt; upper on the 0.05 grid, upper up to 1.</summary>
    public static IReadOnlyList<DecisionBand> Bands { get; } =
        [.. Enumerable.Range(1, BandSweep.StepsPerUnit - 1).SelectMany(k => Enumerable.Range(k + 1, BandSweep.StepsPerUnit - k)
            .Select(m => new DecisionBand((float)((double)k / BandSweep.StepsPerUnit), (float)((double)m / BandSweep.StepsPerUnit))))];

    /// <param name="clips">The recorded clips, all with one NMS overlap.</param>
    /// <param name="cascadeMap50">The frame-level cascade's mAP50 per edge band on sampled frames of the same lines and NMS overlap.</param>
    /// <param name="cloudMap50">The cloud's frame-level mAP50 alone.</param>
    /// <param name="nmsIou">The NMS overlap the clips were recorded with.</param>
    /// <param name="targetShare">Share of the cloud's mAP50 the cascade must reach.</param>
    /// <param name="maxEscalatedShare">Largest share of parts that may be escalated.</param>
    /// <param name="maxFalseRejectShare">Largest share of clean parts the cascade may reject.</param>
    /// <param name="minEdgeLower">The lowest edge lower edge tried: the agent's <c>Detector:ScoreThreshold</c>, below which it drops detections.</param>
    /// <param name="minCloudLower">The lowest cloud lower edge tried: the cloud's <c>Detector:ScoreThreshold</c>.</param>
    /// <param name="pruned">Edge settings dropped on the edge's figures alone.</param>
    /// <param name="cancellationToken">Stops between edge settings.</param>
    public static List<PartCandidate> Run(
        IReadOnlyList<PartClip> clips, IReadOnlyDictionary<DecisionBand, double> cascadeMap50, double cloudMap50, float nmsIou,
        double targetShare, double maxEscalatedShare, double maxFalseRejectShare, float minEdgeLower, float minCloudLower, out int pruned,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(cascadeMap50);
        var candidates = new List<PartCandidate>();
        pruned = 0;
        foreach (var wholeViewsOnly in new[] { true, false })
        {
            if (ChooseCloud(clips, wholeViewsOnly, minCloudLower, maxFalseRejectShare, cancellationToken) is not { } cloud)
            {
                continue;
            }

            foreach (var edgeBand in Bands.Where(b => b.Lower >= minEdgeLower - 1e-6))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var map = cascadeMap50.GetValueOrDefault(edgeBand);
                var settings = cloud with { EdgeBand = edgeBand, EveryPartToCloud = false };
                var edge = EdgeOnlyOver(clips, settings);
                if (edge.EdgeAloneEscapes > 0 || edge.EdgeAloneFalseRejects > (maxFalseRejectShare * (edge.Parts - edge.Defective)) + 1e-9 ||
                    edge.EscalatedShare > maxEscalatedShare + 1e-12 || map < (targetShare * cloudMap50) - 1e-12)
                {
                    pruned++;
                    continue;
                }

                candidates.Add(new PartCandidate(settings, PartScorer.Score(clips, settings), map, cloudMap50, nmsIou));
            }
        }

        return candidates;
    }

    /// <summary>The edge band under which every part with a detection on it goes to the cloud: the cloud's own view of the parts.</summary>
    public static DecisionBand EverythingToTheCloud { get; } = new(Bands[0].Lower, 1f);

    /// <summary>
    /// Chooses the cloud band and K on the cloud's own view of the parts: every part, clean ones without a single edge
    /// detection included, goes to the cloud with its K best views (<see cref="PartSettings.EveryPartToCloud"/>), so the
    /// choice rests on every part of the clips rather than on the few a good edge band sends, and sees what a band does to
    /// good parts. Among cloud bands (lower at least <paramref name="minCloudLower"/>) and K that let no defective part
    /// through the cloud and reject at most <paramref name="maxFalseRejectShare"/> of the clean parts: the fewest parts
    /// left to a person, then the fewest clean parts rejected, then the fewest frames sent, then the lowest lower edge.
    /// Null when none qualifies.
    /// </summary>
    public static PartSettings? ChooseCloud(IReadOnlyList<PartClip> clips, bool wholeViewsOnly, float minCloudLower, double maxFalseRejectShare, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clips);
        PartSettings? best = null;
        PartScore? bestScore = null;
        foreach (var k in KValues)
        {
            foreach (var band in Bands.Where(b => b.Lower >= minCloudLower - 1e-6))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var settings = new PartSettings(EverythingToTheCloud, band, k, wholeViewsOnly, EveryPartToCloud: true);
                var score = PartScorer.Score(clips, settings);
                if (score.Escapes > 0 || score.FalseRejects > (maxFalseRejectShare * (score.Parts - score.Defective)) + 1e-9)
                {
                    continue;
                }

                if (bestScore is null || (score.LeftToPerson, score.FalseRejects, score.EscalatedFrames, band.Lower).CompareTo(
                    (bestScore.LeftToPerson, bestScore.FalseRejects, bestScore.EscalatedFrames, best!.CloudBand.Lower)) < 0)
                {
                    best = settings;
                    bestScore = score;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// The cloud band's curve for fixed edge settings and K: the narrowest band (lower, lower + 0.05) at every lower
    /// edge of the grid from <paramref name="minCloudLower"/>, so the curve shows what moving the cloud's threshold
    /// does; per point the share of escalated parts left to a person and the defective parts the cloud passed.
    /// </summary>
    public static IReadOnlyList<CloudCurvePoint> CloudCurve(IReadOnlyList<PartClip> clips, PartSettings chosen, float minCloudLower)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(chosen);
        var points = new List<CloudCurvePoint>();
        var step = 1f / BandSweep.StepsPerUnit;
        foreach (var band in Bands.Where(b => Math.Abs(b.Upper - b.Lower - step) < 1e-4 && b.Lower >= minCloudLower - 1e-6).OrderBy(b => b.Lower))
        {
            var score = PartScorer.Score(clips, chosen with { CloudBand = band });
            points.Add(new CloudCurvePoint(
                band.Lower, band.Upper, score.Escalated, score.LeftToPerson, score.LeftToPersonShare, score.DefectiveEscalated, score.Escapes - score.EdgeAloneEscapes,
                score.Escalated - score.DefectiveEscalated, score.FalseRejects));
        }

        return points;
    }

    /// <summary>Scores several clips with one set of settings (the edge alone).</summary>
    private static PartScore EdgeOnlyOver(IReadOnlyList<PartClip> clips, PartSettings settings) =>
        clips.Aggregate(PartScore.Zero, (sum, clip) => sum.Add(PartScorer.EdgeOnly(clip, settings)));
}
