using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>How unsure the edge was about an uncertain frame, stored on its outbox entry to rank it for eviction.</summary>
public static class EscalationUncertainty
{
    /// <summary>
    /// 1 when the deciding score (the best detection's confidence, as <see cref="DecisionBand.Decide"/> uses it) sits
    /// in the middle of the uncertain band, falling linearly to 0 at either edge: a score near an edge is almost a
    /// decision, one in the middle is what the cloud can settle best.
    /// </summary>
    public static double Of(DecisionBand band, IReadOnlyList<Detection.Detection> detections)
    {
        var best = 0f;
        foreach (var detection in detections)
        {
            best = Math.Max(best, detection.Confidence);
        }

        var half = (band.Upper - band.Lower) / 2.0;
        if (half <= 0)
        {
            return 0;
        }

        var middle = band.Lower + half;
        return Math.Clamp(1 - (Math.Abs(best - middle) / half), 0, 1);
    }
}
