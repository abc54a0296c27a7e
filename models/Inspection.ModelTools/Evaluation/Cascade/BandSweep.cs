using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// Moves the uncertain band and scores the cascade at each position, on recorded predictions: the trade-off between
/// how many frames go to the cloud and how accurate the combined result is.
/// </summary>
public static class BandSweep
{
    /// <summary>Grid spacing of <see cref="Grid"/>: band edges at multiples of 0.05.</summary>
    public const int StepsPerUnit = 20;

    /// <summary>
    /// The bands to try around <paramref name="shipped"/>: first the lower edge at 0.05, 0.10, … up to the shipped
    /// upper edge, the upper edge staying where it is (plus the shipped band itself); then every other pair
    /// lower &lt; upper on the 0.05 grid, upper up to 1 (nothing is then sure enough to be a defect at the edge).
    /// </summary>
    public static IReadOnlyList<SweepBand> Grid(DecisionBand shipped)
    {
        if (shipped.Validate() is { } problem)
        {
            throw new ArgumentException($"Invalid shipped band: {problem}.", nameof(shipped));
        }

        var bands = new List<SweepBand>();
        var seen = new HashSet<DecisionBand>();
        void Add(DecisionBand band, bool upperFixed)
        {
            if (seen.Add(band))
            {
                bands.Add(new SweepBand(band, upperFixed));
            }
        }

        var lowers = Enumerable.Range(1, StepsPerUnit - 1).Select(k => (float)((double)k / StepsPerUnit))
            .Append(shipped.Lower).Where(l => l <= shipped.Upper).Distinct().Order();
        foreach (var lower in lowers)
        {
            Add(new DecisionBand(lower, shipped.Upper), upperFixed: true);
        }

        for (var k = 1; k < StepsPerUnit; k++)
        {
            for (var m = k + 1; m <= StepsPerUnit; m++)
            {
                Add(new DecisionBand((float)((double)k / StepsPerUnit), (float)((double)m / StepsPerUnit)), upperFixed: false);
            }
        }

        return bands;
    }

    /// <summary>
    /// Scores the cascade for each band, in the order given. Bands that send the same frames to the cloud share
    /// one metrics computation.
    /// </summary>
    public static IReadOnlyList<SweepPoint> Run(
        IReadOnlyList<CascadeFrame> frames, IReadOnlyList<SweepBand> bands, int classCount, float confidenceThreshold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(bands);
        var byEscalations = new Dictionary<string, MetricsReport>(StringComparer.Ordinal);
        var points = new List<SweepPoint>(bands.Count);
        foreach (var (band, upperFixed) in bands)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var escalated = CascadeCombiner.Escalations(frames, band);
            var key = string.Concat(escalated.Select(e => e ? '1' : '0'));
            if (!byEscalations.TryGetValue(key, out var report))
            {
                report = DetectionMetrics.Compute(CascadeCombiner.Combine(frames, band).Images, classCount, confidenceThreshold);
                byEscalations.Add(key, report);
            }

            var count = escalated.Count(e => e);
            var verdicts = FrameVerdicts.Count(frames, band);
            points.Add(new SweepPoint(
                band.Lower, band.Upper, count, (double)count / frames.Count, report.Map50, report.Map50To95, upperFixed,
                verdicts.DefectivePassed, verdicts.CleanRejected));
        }

        return points;
    }
}
