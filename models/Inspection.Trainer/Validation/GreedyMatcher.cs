using Inspection.Detection;

namespace Inspection.Trainer.Validation;

/// <summary>
/// Counts true positives the simple way: detections in descending score order each take the unmatched defect of
/// the same class with the highest IoU, if that IoU is at least <see cref="IouThreshold"/>. A quick check for the
/// end of training, not a substitute for a proper mAP.
/// </summary>
public static class GreedyMatcher
{
    public const float IouThreshold = 0.5f;

    /// <summary>How many of <paramref name="detections"/> match one of <paramref name="truth"/>.</summary>
    public static int CountMatches(IReadOnlyList<(int ClassId, float Score, BoundingBox Box)> detections, IReadOnlyList<(int ClassId, BoundingBox Box)> truth)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(truth);
        var taken = new bool[truth.Count];
        var matches = 0;
        foreach (var detection in detections.OrderByDescending(d => d.Score))
        {
            var best = -1;
            var bestIou = IouThreshold;
            for (var i = 0; i < truth.Count; i++)
            {
                if (taken[i] || truth[i].ClassId != detection.ClassId)
                {
                    continue;
                }

                var iou = Iou(detection.Box, truth[i].Box);
                if (iou >= bestIou)
                {
                    best = i;
                    bestIou = iou;
                }
            }

            if (best >= 0)
            {
                taken[best] = true;
                matches++;
            }
        }

        return matches;
    }

    public static float Iou(BoundingBox a, BoundingBox b)
    {
        var w = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        var h = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var inter = w * h;
        return inter / (a.Area + b.Area - inter);
    }
}
