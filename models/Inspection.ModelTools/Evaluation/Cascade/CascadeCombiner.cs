using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// Replays the cascade on recorded predictions: per frame the edge decides with the uncertain band exactly as the
/// agent does (<see cref="DecisionBand.Decide"/> on its detections); an uncertain frame goes to the cloud and takes
/// the cloud's predictions, a pass or defect frame keeps the edge's. A pure function of its inputs, so a band sweep
/// costs no inference.
/// </summary>
/// <remarks>
/// <para>
/// The cascade's AP is computed over this mixed prediction set: every frame contributes the predictions of the
/// model that had the last word on it, with their own confidences, and AP ranks edge and cloud boxes together. The
/// two models' confidences are not calibrated to each other, so the mix can rank a weak cloud box below a strong
/// edge box of a different frame; that is what a consumer of the cascade's output receives, so it is the figure
/// that describes the shipped system. Scoring only the decision per frame would not be AP and could not be compared
/// with the single models' figures.
/// </para>
/// <para>
/// The edge predictions are recorded with a low score threshold (0.001) for AP. The decision depends only on the best
/// confidence, which the agent's higher score threshold (default 0.25) leaves unchanged as long as it does not exceed
/// the band's lower edge — which the agent validates at start.
/// </para>
/// </remarks>
public static class CascadeCombiner
{
    /// <exception cref="ArgumentException">The band is invalid or there are no frames.</exception>
    public static CascadeOutcome Combine(IReadOnlyList<CascadeFrame> frames, DecisionBand band)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (band.Validate() is { } problem)
        {
            throw new ArgumentException($"Invalid uncertain band: {problem}.", nameof(band));
        }

        if (frames.Count == 0)
        {
            throw new ArgumentException("There are no frames to run the cascade on.", nameof(frames));
        }

        var images = new EvaluationImage[frames.Count];
        var decisions = new Decision[frames.Count];
        var escalated = 0;
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames[i] ?? throw new ArgumentException($"Frame {i} is missing (null).", nameof(frames));
            decisions[i] = band.Decide(frame.Edge);
            var toCloud = decisions[i] == Decision.Uncertain;
            escalated += toCloud ? 1 : 0;
            var standing = toCloud ? frame.Cloud : frame.Edge;
            images[i] = new EvaluationImage(frame.Truth, [.. standing.Select(ScoredBox.From)], frame.Source);
        }

        return new CascadeOutcome(band, images, decisions, escalated);
    }

    /// <summary>
    /// Which frames <paramref name="band"/> sends to the cloud, without building the mixed prediction set.
    /// </summary>
    public static bool[] Escalations(IReadOnlyList<CascadeFrame> frames, DecisionBand band)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var result = new bool[frames.Count];
        for (var i = 0; i < frames.Count; i++)
        {
            result[i] = band.Decide(frames[i].Edge) == Decision.Uncertain;
        }

        return result;
    }
}
