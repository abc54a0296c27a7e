using Inspection.CloudInference.Escalations;
using Inspection.Detection;

namespace Inspection.CloudInference.Review;

/// <summary>
/// How unsure the cloud was about an item it left uncertain, the review queue's first sort key. The cloud's
/// <b>deciding score</b> is its best detection's confidence over the item's judged frames (what the band decided by);
/// the unsureness is 1 when that score lies in the middle of the cloud band (<c>Cloud:Decision</c>) and falls linearly
/// to 0 at either edge: <c>1 - |score - middle| / (half the band's width)</c>, clamped to [0, 1].
/// </summary>
public static class Unsureness
{
    /// <summary>The best cloud confidence over the item's judged frames (0 when the cloud found nothing).</summary>
    public static double DecidingScore(StoredEscalation escalation) =>
        ReviewFrame.Of(escalation).Where(f => f.Judged).SelectMany(f => f.CloudDetections)
            .Select(d => d.Confidence).DefaultIfEmpty(0).Max();

    public static double Of(double decidingScore, DecisionBand band)
    {
        var middle = (band.Lower + band.Upper) / 2.0;
        var half = (band.Upper - band.Lower) / 2.0;
        if (half <= 0)
        {
            // A band of zero width leaves nothing uncertain but a score exactly on it.
            return decidingScore == middle ? 1 : 0;
        }

        return Math.Clamp(1 - (Math.Abs(decidingScore - middle) / half), 0, 1);
    }
}
