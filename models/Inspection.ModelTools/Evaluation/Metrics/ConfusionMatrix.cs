namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>
/// Which class the model gave each labelled defect, at one confidence threshold: the table that shows a crack taken
/// for a scratch, which the per-class precision and recall only show as one miss and one false alarm.
/// </summary>
/// <param name="ConfidenceThreshold">Predictions below this confidence are ignored.</param>
/// <param name="IouThreshold">A prediction and a box pair up when their IoU is at least this, whatever their classes.</param>
/// <param name="Counts">
/// [truth][prediction], each of size class count + 1: rows are the labelled class, columns the predicted one; the
/// last row counts predictions on no labelled box (false alarms), the last column boxes no prediction found
/// (misses); the last cell of the last row is always 0.
/// </param>
/// <param name="Mistakes">
/// The boxes behind the off-diagonal counts of labelled classes: every labelled box given another class, image by
/// image, so the frames can be looked at.
/// </param>
public sealed record ConfusionMatrix(
    float ConfidenceThreshold, double IouThreshold, IReadOnlyList<IReadOnlyList<int>> Counts, IReadOnlyList<ClassMistake> Mistakes)
{
    /// <summary>The IoU at which a prediction is said to be about a box: AP50's.</summary>
    public const double PairingIou = 0.5;

    /// <summary>
    /// Pairs predictions (at or above <paramref name="confidenceThreshold"/>) with labelled boxes per image, ignoring
    /// classes: the pair of highest IoU first, each prediction and box at most once (as Ultralytics' confusion
    /// matrix pairs them). A box of class t paired with a prediction of class p counts in [t][p].
    /// </summary>
    /// <remarks>Part of <see cref="DetectionMetrics.Compute"/>, which has checked the images, boxes and class ids.</remarks>
    internal static ConfusionMatrix Compute(IReadOnlyList<EvaluationImage> images, int classCount, float confidenceThreshold)
    {
        var none = classCount;
        var counts = new int[classCount + 1][];
        for (var t = 0; t <= classCount; t++)
        {
            counts[t] = new int[classCount + 1];
        }

        var mistakes = new List<ClassMistake>();
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            var predictions = image.Predictions.Where(p => p.Confidence >= confidenceThreshold).ToArray();
            var pairs = new List<(double Iou, int Truth, int Prediction)>();
            for (var t = 0; t < image.Truth.Count; t++)
            {
                for (var p = 0; p < predictions.Length; p++)
                {
                    var iou = DetectionMetrics.IntersectionOverUnion(image.Truth[t].Box, predictions[p].Box);
                    if (iou >= PairingIou)
                    {
                        pairs.Add((iou, t, p));
                    }
                }
            }

            var truthPaired = new bool[image.Truth.Count];
            var predictionPaired = new bool[predictions.Length];

            // Stable: equal IoUs keep truth-then-prediction order, so the pairing does not depend on the sort.
            foreach (var (_, t, p) in pairs.OrderByDescending(x => x.Iou))
            {
                if (truthPaired[t] || predictionPaired[p])
                {
                    continue;
                }

                truthPaired[t] = predictionPaired[p] = true;
                var (truth, prediction) = (image.Truth[t], predictions[p]);
                counts[truth.ClassId][prediction.ClassId]++;
                if (truth.ClassId != prediction.ClassId)
                {
                    mistakes.Add(new ClassMistake(i, image.Source, truth.ClassId, prediction.ClassId, prediction.Confidence, truth.Box, prediction.Box));
                }
            }

            for (var t = 0; t < truthPaired.Length; t++)
            {
                if (!truthPaired[t])
                {
                    counts[image.Truth[t].ClassId][none]++;
                }
            }

            for (var p = 0; p < predictionPaired.Length; p++)
            {
                if (!predictionPaired[p])
                {
                    counts[none][predictions[p].ClassId]++;
                }
            }
        }

        return new ConfusionMatrix(confidenceThreshold, PairingIou, counts, mistakes);
    }
}
