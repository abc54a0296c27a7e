using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>
/// The standard object-detection metrics (AP50, AP50-95, mAP, precision and recall) as COCO defines them and
/// Ultralytics reports them, so that the figures of our models compare with those of any Ultralytics export.
/// </summary>
/// <remarks>
/// <para>
/// Matching, per image and class: predictions are taken in order of falling confidence, and each is matched to the
/// still unmatched ground-truth box of its class with the highest IoU, provided that IoU is at least the threshold
/// (≥, so an IoU exactly at the threshold matches). A prediction that matches nothing, including a second prediction
/// on an already matched box, is a false positive. Matching is redone for each IoU threshold. This is COCO's rule;
/// Ultralytics pairs the highest-IoU prediction/box pairs first regardless of confidence, which gives the same result
/// unless two predictions compete for one box.
/// </para>
/// <para>
/// Average precision, per class: all predictions of the class over all images, by falling confidence, give the
/// precision-recall curve; precision is replaced by its envelope (the highest precision at any equal or higher
/// recall, so the curve never rises); AP is the mean, over the 101 recall levels 0, 0.01, …, 1, of the envelope
/// precision at the first point whose recall reaches that level (0 when no point does). This is COCO's 101-point
/// interpolation (pycocotools). Ultralytics samples the same envelope at the same 101 levels but draws a straight
/// line from the last point to precision 0 at recall 1 and integrates with the trapezoid rule; that scores perfect
/// predictions 0.995 instead of 1 and credits recall the model never reached, so a model that finds half the defects
/// without a false alarm gets about 0.75 rather than 0.5. The step rule has neither artefact; on curves that reach
/// full recall the two stay close.
/// </para>
/// <para>
/// AP uses every prediction whatever its confidence (evaluate with a low score threshold, as Ultralytics does with
/// 0.001); the confidence threshold only selects where precision and recall are reported. Classes without ground
/// truth get no AP and are left out of the means.
/// </para>
/// </remarks>
public static class DetectionMetrics
{
    private const int RecallLevels = 101;

    private static readonly double[] Thresholds = [.. Enumerable.Range(0, 10).Select(k => (50 + (5 * k)) / 100.0)];

    /// <summary>The IoU thresholds of AP50-95: 0.50, 0.55, …, 0.95 (index 0 is AP50's).</summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Array.AsReadOnly(Thresholds);

    /// <summary>Scores <paramref name="images"/> for a model with <paramref name="classCount"/> classes.</summary>
    /// <param name="images">The frames with their ground truth and predictions; at least one.</param>
    /// <param name="classCount">How many classes the model has; every class id must be below it.</param>
    /// <param name="confidenceThreshold">The confidence in [0, 1] at which precision and recall are reported.</param>
    /// <exception cref="ArgumentException">A box, class id or confidence is invalid; the message names the image and box.</exception>
    public static MetricsReport Compute(IReadOnlyList<EvaluationImage> images, int classCount, float confidenceThreshold)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (!(confidenceThreshold is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(
                nameof(confidenceThreshold), confidenceThreshold, "The confidence threshold must be between 0 and 1.");
        }

        if (images.Count == 0)
        {
            throw new ArgumentException("There are no images to evaluate.", nameof(images));
        }

        for (var i = 0; i < images.Count; i++)
        {
            Validate(images[i], i, classCount);
        }

        var matches = new List<Match>[classCount];
        var truthCounts = new int[classCount];
        for (var c = 0; c < classCount; c++)
        {
            matches[c] = [];
        }

        foreach (var image in images)
        {
            MatchImage(image, matches, truthCounts);
        }

        var classes = new ClassMetrics[classCount];
        for (var c = 0; c < classCount; c++)
        {
            // A stable sort: equal confidences keep image order, so the result does not depend on the sort algorithm.
            var sorted = matches[c].OrderByDescending(m => m.Confidence).ToArray();
            classes[c] = Summarize(c, sorted, truthCounts[c], confidenceThreshold);
        }

        var scored = classes.Where(c => c.TruthCount > 0).ToArray();
        return new MetricsReport(
            images.Count,
            classCount,
            confidenceThreshold,
            Map50: MeanOrZero(scored.Select(c => c.Ap50!.Value)),
            Map50To95: MeanOrZero(scored.Select(c => c.Ap50To95!.Value)),
            MeanPrecision: MeanOrZero(scored.Select(c => c.AtThreshold.Precision)),
            MeanRecall: MeanOrZero(scored.Select(c => c.AtThreshold.Recall)),
            classes,
            ConfusionMatrix.Compute(images, classCount, confidenceThreshold));
    }

    /// <summary>Intersection over union of two boxes; 0 when they do not overlap.</summary>
    public static double IntersectionOverUnion(BoundingBox a, BoundingBox b)
    {
        var width = Math.Min((double)a.X2, b.X2) - Math.Max((double)a.X1, b.X1);
        var height = Math.Min((double)a.Y2, b.Y2) - Math.Max((double)a.Y1, b.Y1);
        if (width <= 0 || height <= 0)
        {
            return 0;
        }

        var intersection = width * height;
        var union = ((double)a.Width * a.Height) + ((double)b.Width * b.Height) - intersection;
        return union > 0 ? intersection / union : 0;
    }

    private static void Validate(EvaluationImage? image, int index, int classCount)
    {
        if (image is null)
        {
            throw new ArgumentException($"Image {index} is missing (null).", "images");
        }

        var where = image.Source is null ? $"Image {index}" : $"Image {index} ({image.Source})";
        for (var j = 0; j < image.Truth.Count; j++)
        {
            var truth = image.Truth[j];
            CheckClass(truth.ClassId, classCount, $"{where}, ground-truth box {j}");
            CheckBox(truth.Box, $"{where}, ground-truth box {j}");
            if (!(truth.Box.Width > 0 && truth.Box.Height > 0))
            {
                throw new ArgumentException(
                    $"{where}, ground-truth box {j}: {Describe(truth.Box)} has no area, so nothing could ever match it; fix the label.",
                    "images");
            }
        }

        for (var j = 0; j < image.Predictions.Count; j++)
        {
            var prediction = image.Predictions[j];
            CheckClass(prediction.ClassId, classCount, $"{where}, prediction {j}");
            CheckBox(prediction.Box, $"{where}, prediction {j}");
            if (!(prediction.Confidence is >= 0f and <= 1f))
            {
                throw new ArgumentException(
                    $"{where}, prediction {j}: confidence {prediction.Confidence} is not between 0 and 1.", "images");
            }
        }
    }

    private static void CheckClass(int classId, int classCount, string what)
    {
        if (classId < 0 || classId >= classCount)
        {
            throw new ArgumentException(
                $"{what}: class {classId} is not one of the model's {classCount} classes (0 to {classCount - 1}).", "images");
        }
    }

    private static void CheckBox(BoundingBox box, string what)
    {
        if (!(float.IsFinite(box.X1) && float.IsFinite(box.Y1) && float.IsFinite(box.X2) && float.IsFinite(box.Y2)))
        {
            throw new ArgumentException($"{what}: {Describe(box)} has a coordinate that is not a number.", "images");
        }

        if (box.X2 < box.X1 || box.Y2 < box.Y1)
        {
            throw new ArgumentException(
                $"{what}: {Describe(box)} is inverted; corners must be (x1, y1) top-left and (x2, y2) bottom-right.", "images");
        }
    }

    private static string Describe(BoundingBox box) => $"box ({box.X1}, {box.Y1}, {box.X2}, {box.Y2})";

    private static void MatchImage(EvaluationImage image, List<Match>[] matches, int[] truthCounts)
    {
        foreach (var truth in image.Truth)
        {
            truthCounts[truth.ClassId]++;
        }

        foreach (var classId in image.Predictions.Select(p => p.ClassId).Distinct())
        {
            var truths = image.Truth.Where(t => t.ClassId == classId).Select(t => t.Box).ToArray();
            var predictions = image.Predictions.Where(p => p.ClassId == classId).OrderByDescending(p => p.Confidence).ToArray();
            var iou = new double[predictions.Length, truths.Length];
            for (var p = 0; p < predictions.Length; p++)
            {
                for (var g = 0; g < truths.Length; g++)
                {
                    iou[p, g] = IntersectionOverUnion(predictions[p].Box, truths[g]);
                }
            }

            var hits = new bool[predictions.Length, Thresholds.Length];
            var taken = new bool[truths.Length];
            for (var t = 0; t < Thresholds.Length; t++)
            {
                Array.Clear(taken);
                for (var p = 0; p < predictions.Length; p++)
                {
                    var best = -1;
                    for (var g = 0; g < truths.Length; g++)
                    {
                        if (!taken[g] && iou[p, g] >= Thresholds[t] && (best < 0 || iou[p, g] > iou[p, best]))
                        {
                            best = g;
                        }
                    }

                    if (best >= 0)
                    {
                        taken[best] = true;
                        hits[p, t] = true;
                    }
                }
            }

            for (var p = 0; p < predictions.Length; p++)
            {
                var row = new bool[Thresholds.Length];
                for (var t = 0; t < Thresholds.Length; t++)
                {
                    row[t] = hits[p, t];
                }

                matches[classId].Add(new Match(predictions[p].Confidence, row));
            }
        }
    }

    private static ClassMetrics Summarize(int classId, Match[] sorted, int truthCount, float confidenceThreshold)
    {
        var truePositives50 = CumulativeTruePositives(sorted, 0);
        var curve = new PrecisionRecallPoint[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            curve[i] = new PrecisionRecallPoint(
                sorted[i].Confidence, (double)truePositives50[i] / (i + 1), truthCount > 0 ? (double)truePositives50[i] / truthCount : 0);
        }

        var kept = sorted.Count(m => m.Confidence >= confidenceThreshold);
        var atThreshold = PointAt(confidenceThreshold, kept, kept > 0 ? truePositives50[kept - 1] : 0, truthCount);

        if (truthCount == 0)
        {
            return new ClassMetrics(classId, 0, sorted.Length, null, null, null, atThreshold, null, curve);
        }

        var aps = new double[Thresholds.Length];
        aps[0] = AveragePrecision(truePositives50, truthCount);
        for (var t = 1; t < Thresholds.Length; t++)
        {
            aps[t] = AveragePrecision(CumulativeTruePositives(sorted, t), truthCount);
        }

        return new ClassMetrics(
            classId, truthCount, sorted.Length, aps[0], aps.Average(), aps, atThreshold, BestF1(sorted, truePositives50, truthCount), curve);
    }

    private static int[] CumulativeTruePositives(Match[] sorted, int threshold)
    {
        var cumulative = new int[sorted.Length];
        var count = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            count += sorted[i].Hits[threshold] ? 1 : 0;
            cumulative[i] = count;
        }

        return cumulative;
    }

    private static double AveragePrecision(int[] truePositives, int truthCount)
    {
        var n = truePositives.Length;
        if (n == 0)
        {
            return 0;
        }

        var envelope = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var precision = (double)truePositives[i] / (i + 1);
            envelope[i] = i == n - 1 ? precision : Math.Max(precision, envelope[i + 1]);
        }

        var sum = 0.0;
        var first = 0;
        for (var level = 0; level < RecallLevels; level++)
        {
            var recall = level / (double)(RecallLevels - 1);

            // Recall never falls along the curve, so the first point reaching a level only moves forward.
            while (first < n && (double)truePositives[first] / truthCount < recall)
            {
                first++;
            }

            if (first == n)
            {
                break;
            }

            sum += envelope[first];
        }

        return sum / RecallLevels;
    }

    private static OperatingPoint? BestF1(Match[] sorted, int[] truePositives, int truthCount)
    {
        OperatingPoint? best = null;
        for (var i = 0; i < sorted.Length; i++)
        {
            // A threshold keeps every prediction at or above it, so only the last of equal confidences is a cut.
            if (i + 1 < sorted.Length && sorted[i + 1].Confidence == sorted[i].Confidence)
            {
                continue;
            }

            var point = PointAt(sorted[i].Confidence, i + 1, truePositives[i], truthCount);
            if (best is null || point.F1 > best.F1)
            {
                best = point;
            }
        }

        return best;
    }

    private static OperatingPoint PointAt(float confidence, int kept, int truePositives, int truthCount)
    {
        var precision = kept > 0 ? (double)truePositives / kept : 0;
        var recall = truthCount > 0 ? (double)truePositives / truthCount : 0;
        var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        return new OperatingPoint(confidence, truePositives, kept - truePositives, truthCount - truePositives, precision, recall, f1);
    }

    private static double MeanOrZero(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? 0 : list.Average();
    }

    private readonly record struct Match(float Confidence, bool[] Hits);
}
