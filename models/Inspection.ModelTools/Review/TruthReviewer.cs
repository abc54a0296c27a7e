namespace Inspection.ModelTools.Review;

/// <summary>
/// Answers a review item from the line's ground truth, as a careful person would: no true defect on the part →
/// reject; the cloud's boxes match the truth (same class, IoU ≥ <see cref="MatchIoU"/>, one to one, every judged
/// frame) → accept; else fix with the true boxes. Only the truth on the part counts: boxes whose centre lies in the
/// part's box grown by a margin (a neighbouring part's defect in the same frame is not this part's).
/// </summary>
public static class TruthReviewer
{
    /// <summary>The overlap at which a cloud box counts as the true one.</summary>
    public const double MatchIoU = 0.5;

    /// <summary>How far around the part's box a true defect still belongs to the part, in pixels.</summary>
    public const double DefaultMargin = 8;

    /// <summary>Decides <paramref name="item"/>; <paramref name="truth"/> holds the line frame of each judged frame's sequence.</summary>
    public static ReviewAnswer Decide(ReviewApiItem item, IReadOnlyDictionary<long, TruthFrame> truth, double margin = DefaultMargin)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(truth);
        var judged = item.Frames.Where(f => f.Judged).ToList();
        var onPart = judged.ToDictionary(f => f.Sequence, f => OnPart(f, truth[f.Sequence], margin));
        if (onPart.Values.All(boxes => boxes.Count == 0))
        {
            return new ReviewAnswer("reject", new Dictionary<long, IReadOnlyList<ReviewApiBox>>(), Keys: 1, Drags: 0, FramesShown: 1);
        }

        var mismatched = judged.Where(f => !Matches(f.CloudDetections, onPart[f.Sequence])).ToList();
        if (mismatched.Count == 0)
        {
            return new ReviewAnswer("accept", new Dictionary<long, IReadOnlyList<ReviewApiBox>>(), Keys: 1, Drags: 0, FramesShown: 1);
        }

        var frames = new Dictionary<long, IReadOnlyList<ReviewApiBox>>();
        foreach (var frame in judged)
        {
            frames[frame.Sequence] = [.. onPart[frame.Sequence].Select(t => new ReviewApiBox(ClassIdOf(item, t.ClassName), t.ClassName, 1, t.X1, t.Y1, t.X2, t.Y2))];
        }

        // f, then per frame that needs work: switch to it (not for the first), fix its boxes; Enter saves.
        int keys = 2, drags = 0, newClass = 0;
        var first = judged[0].Sequence;
        foreach (var frame in mismatched)
        {
            keys += frame.Sequence == first ? 0 : 1;
            var (frameKeys, frameDrags) = Effort(item, frame.CloudDetections, onPart[frame.Sequence], ref newClass);
            keys += frameKeys;
            drags += frameDrags;
        }

        return new ReviewAnswer("fix", frames, keys, drags, FramesShown: 1 + mismatched.Count(f => f.Sequence != first));
    }

    /// <summary>The true boxes that belong to the frame's part (centre in its box grown by <paramref name="margin"/>).</summary>
    public static List<TruthBox> OnPart(ReviewApiFrame frame, TruthFrame truth, double margin)
    {
        var part = frame.PartBox;
        double x1 = (part?.X1 ?? 0) - margin, y1 = (part?.Y1 ?? 0) - margin;
        double x2 = (part?.X2 ?? frame.Width) + margin, y2 = (part?.Y2 ?? frame.Height) + margin;
        return [.. truth.Defects.Where(t =>
        {
            var cx = (t.X1 + t.X2) / 2;
            var cy = (t.Y1 + t.Y2) / 2;
            return cx >= x1 && cx <= x2 && cy >= y1 && cy <= y2;
        })];
    }

    private static int ClassIdOf(ReviewApiItem item, string className)
    {
        for (var id = 0; id < item.ClassNames.Count; id++)
        {
            if (string.Equals(item.ClassNames[id], className, StringComparison.Ordinal))
            {
                return id;
            }
        }

        throw new InvalidDataException($"{item.Key}: the line's class '{className}' is not one of the cloud model's ({string.Join(", ", item.ClassNames)})");
    }

    private static bool Matches(IReadOnlyList<ReviewApiBox> cloud, List<TruthBox> truth) =>
        cloud.Count == truth.Count && Pair(cloud, truth, sameClass: true).Count == truth.Count;

    /// <summary>Greedy one-to-one pairs by overlap (best first), at IoU ≥ <see cref="MatchIoU"/>.</summary>
    private static List<(int Cloud, int Truth)> Pair(IReadOnlyList<ReviewApiBox> cloud, List<TruthBox> truth, bool sameClass)
    {
        var candidates = new List<(double IoU, int Cloud, int Truth)>();
        for (var c = 0; c < cloud.Count; c++)
        {
            for (var t = 0; t < truth.Count; t++)
            {
                var iou = truth[t].IoU(cloud[c].X1, cloud[c].Y1, cloud[c].X2, cloud[c].Y2);
                if (iou >= MatchIoU && (!sameClass || string.Equals(cloud[c].ClassName, truth[t].ClassName, StringComparison.Ordinal)))
                {
                    candidates.Add((iou, c, t));
                }
            }
        }

        var pairs = new List<(int, int)>();
        var usedCloud = new HashSet<int>();
        var usedTruth = new HashSet<int>();
        foreach (var (_, c, t) in candidates.OrderByDescending(x => x.IoU))
        {
            if (usedCloud.Add(c))
            {
                if (usedTruth.Add(t))
                {
                    pairs.Add((c, t));
                }
                else
                {
                    usedCloud.Remove(c);
                }
            }
        }

        return pairs;
    }

    /// <summary>
    /// What turning the cloud's boxes into the true ones takes in fix mode: a right box stays (nothing); a wrong one
    /// is dragged onto a true box (one drag; its class key when the class differs); a true box left over is drawn (one
    /// drag; a class key when it is not the class new boxes get now); a cloud box left over is clicked and deleted
    /// (one click, <c>Delete</c>).
    /// </summary>
    private static (int Keys, int Drags) Effort(ReviewApiItem item, IReadOnlyList<ReviewApiBox> cloud, List<TruthBox> truth, ref int newClass)
    {
        var right = Pair(cloud, truth, sameClass: true);
        var leftCloud = Enumerable.Range(0, cloud.Count).Where(c => right.All(p => p.Cloud != c)).ToList();
        var leftTruth = Enumerable.Range(0, truth.Count).Where(t => right.All(p => p.Truth != t)).ToList();
        int keys = 0, drags = 0;
        var moved = Math.Min(leftCloud.Count, leftTruth.Count);
        for (var i = 0; i < moved; i++)
        {
            drags++;
            keys += string.Equals(cloud[leftCloud[i]].ClassName, truth[leftTruth[i]].ClassName, StringComparison.Ordinal) ? 0 : 1;
        }

        foreach (var t in leftTruth.Skip(moved))
        {
            drags++;
            var classId = ClassIdOf(item, truth[t].ClassName);
            if (classId != newClass)
            {
                keys++;
                newClass = classId;
            }
        }

        var deleted = leftCloud.Count - moved;
        return (keys + deleted, drags + deleted);
    }
}
