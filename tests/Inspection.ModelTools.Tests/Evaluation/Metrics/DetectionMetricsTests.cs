using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Tests.Evaluation.Metrics;

public sealed class DetectionMetricsTests
{
    private const double Tolerance = 1e-6;

    /// <summary>
    /// Two images, two classes, five ground-truth boxes, six predictions.
    /// Class 0 (3 truths: g1, g2 in A; g3 in B), by falling confidence:
    ///   0.9 on g1 (TP) → R 1/3, P 1;  0.8 nowhere (FP) → R 1/3, P 1/2;
    ///   0.7 on g3 (TP) → R 2/3, P 2/3; 0.6 nowhere (FP) → R 2/3, P 1/2.  g2 is never found.
    ///   Envelope: 1, 2/3, 2/3, 1/2. Recall levels 0.00..0.33 (34 levels) → 1; 0.34..0.66 (33) → 2/3;
    ///   0.67..1.00 (34) → nothing reaches them → 0.  AP50 = (34 + 33 × 2/3) / 101 = 56/101.
    /// Class 1 (2 truths: h1 in A, h2 in B):
    ///   0.95 nowhere (FP) → R 0, P 0;  0.5 on h1 (TP) → R 1/2, P 1/2.  Envelope: 1/2, 1/2.
    ///   Levels 0.00..0.50 (51) → 1/2; the rest → 0.  AP50 = 25.5/101.
    /// mAP50 = (56/101 + 25.5/101) / 2 = 81.5/202.
    /// </summary>
    private static EvaluationImage[] HandMadeCase() =>
    [
        new(
            [Truth(0, 0, 0, 10, 10), Truth(0, 20, 20, 30, 30), Truth(1, 100, 100, 120, 120)],
            [Predicted(0, 0.9f, 0, 0, 10, 10), Predicted(0, 0.6f, 50, 50, 60, 60), Predicted(1, 0.5f, 100, 100, 120, 120)],
            "A"),
        new(
            [Truth(0, 0, 0, 10, 10), Truth(1, 100, 100, 120, 120)],
            [Predicted(0, 0.8f, 40, 40, 50, 50), Predicted(0, 0.7f, 0, 0, 10, 10), Predicted(1, 0.95f, 200, 200, 210, 210)],
            "B"),
    ];

    [Fact]
    public void Compute_HandMadeTwoClassCase_Ap50EqualsHandComputation()
    {
        var report = DetectionMetrics.Compute(HandMadeCase(), classCount: 2, confidenceThreshold: 0.65f);

        Assert.Equal(56.0 / 101, report.Classes[0].Ap50!.Value, Tolerance);
        Assert.Equal(25.5 / 101, report.Classes[1].Ap50!.Value, Tolerance);
        Assert.Equal(81.5 / 202, report.Map50, Tolerance);
        Assert.Equal(3, report.Classes[0].TruthCount);
        Assert.Equal(4, report.Classes[0].PredictionCount);
        Assert.Equal(2, report.Classes[1].TruthCount);
        Assert.Equal(2, report.Classes[1].PredictionCount);
    }

    [Fact]
    public void Compute_HandMadeTwoClassCase_PrecisionAndRecallAtThresholdCountOnlyKeptPredictions()
    {
        var report = DetectionMetrics.Compute(HandMadeCase(), classCount: 2, confidenceThreshold: 0.65f);

        // Class 0 keeps 0.9 (TP), 0.8 (FP), 0.7 (TP); class 1 keeps only 0.95 (FP).
        Assert.Equal(new OperatingPoint(0.65f, 2, 1, 1, 2.0 / 3, 2.0 / 3, 2.0 / 3), report.Classes[0].AtThreshold);
        Assert.Equal(new OperatingPoint(0.65f, 0, 1, 2, 0, 0, 0), report.Classes[1].AtThreshold);
        Assert.Equal(1.0 / 3, report.MeanPrecision, Tolerance);
        Assert.Equal(1.0 / 3, report.MeanRecall, Tolerance);
    }

    [Fact]
    public void Compute_HandMadeTwoClassCase_BestF1AtConfidenceThatMaximizesIt()
    {
        var report = DetectionMetrics.Compute(HandMadeCase(), classCount: 2, confidenceThreshold: 0.65f);

        // Class 0, F1 at each cut: 0.9 → 1/2, 0.8 → 2/5, 0.7 → 2/3, 0.6 → 4/7. Class 1: 0.95 → 0, 0.5 → 1/2.
        var class0 = report.Classes[0].AtBestF1!;
        Assert.Equal(0.7f, class0.Confidence);
        Assert.Equal(2.0 / 3, class0.F1, Tolerance);
        var class1 = report.Classes[1].AtBestF1!;
        Assert.Equal(0.5f, class1.Confidence);
        Assert.Equal((1, 1, 1), (class1.TruePositives, class1.FalsePositives, class1.FalseNegatives));
        Assert.Equal(0.5, class1.F1, Tolerance);
    }

    [Fact]
    public void Compute_HandMadeTwoClassCase_CurveHasOnePointPerPredictionByFallingConfidence()
    {
        var report = DetectionMetrics.Compute(HandMadeCase(), classCount: 2, confidenceThreshold: 0.65f);

        var curve = report.Classes[0].Curve;
        Assert.Equal([0.9f, 0.8f, 0.7f, 0.6f], curve.Select(p => p.Confidence));
        Assert.Equal([1, 0.5, 2.0 / 3, 0.5], curve.Select(p => p.Precision), (a, b) => Math.Abs(a - b) < Tolerance);
        Assert.Equal([1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3], curve.Select(p => p.Recall), (a, b) => Math.Abs(a - b) < Tolerance);
    }

    [Fact]
    public void Compute_PerfectPredictions_EveryApIsOne()
    {
        EvaluationImage[] images =
        [
            new([Truth(0, 0, 0, 10, 10), Truth(1, 30, 30, 50, 45)], [Predicted(0, 0.9f, 0, 0, 10, 10), Predicted(1, 0.4f, 30, 30, 50, 45)]),
            new([Truth(1, 5, 5, 9, 9)], [Predicted(1, 0.8f, 5, 5, 9, 9)]),
        ];

        var report = DetectionMetrics.Compute(images, classCount: 2, confidenceThreshold: 0.25f);

        Assert.Equal(1.0, report.Map50, Tolerance);
        Assert.Equal(1.0, report.Map50To95, Tolerance);
        Assert.Equal(1.0, report.MeanPrecision, Tolerance);
        Assert.Equal(1.0, report.MeanRecall, Tolerance);
        Assert.All(report.Classes, c => Assert.All(c.ApPerIouThreshold!, ap => Assert.Equal(1.0, ap, Tolerance)));
    }

    [Fact]
    public void Compute_NoPredictions_EveryApIsZero()
    {
        EvaluationImage[] images = [new([Truth(0, 0, 0, 10, 10), Truth(1, 20, 20, 30, 30)], [])];

        var report = DetectionMetrics.Compute(images, classCount: 2, confidenceThreshold: 0.25f);

        Assert.Equal(0.0, report.Map50);
        Assert.Equal(0.0, report.Map50To95);
        Assert.All(report.Classes, c =>
        {
            Assert.Equal(0.0, c.Ap50);
            Assert.Equal(new OperatingPoint(0.25f, 0, 0, 1, 0, 0, 0), c.AtThreshold);
            Assert.Null(c.AtBestF1);
            Assert.Empty(c.Curve);
        });
    }

    [Fact]
    public void Compute_DuplicatePredictionOnMatchedBox_CountsAsFalsePositive()
    {
        // Two defects; the model reports the first twice and misses the second.
        EvaluationImage[] images =
        [
            new([Truth(0, 0, 0, 10, 10), Truth(0, 50, 50, 60, 60)], [Predicted(0, 0.9f, 0, 0, 10, 10), Predicted(0, 0.8f, 0, 0, 10, 10)]),
        ];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.5f);

        Assert.Equal(new OperatingPoint(0.5f, 1, 1, 1, 0.5, 0.5, 0.5), report.Classes[0].AtThreshold);
        Assert.Equal(0.5, report.Classes[0].Curve[1].Precision, Tolerance);
        Assert.Equal(51.0 / 101, report.Map50, Tolerance); // levels 0.00..0.50 at precision 1
    }

    [Fact]
    public void Compute_PredictionOfWrongClass_DoesNotMatch()
    {
        EvaluationImage[] images = [new([Truth(0, 0, 0, 10, 10)], [Predicted(1, 0.9f, 0, 0, 10, 10)])];

        var report = DetectionMetrics.Compute(images, classCount: 2, confidenceThreshold: 0.5f);

        Assert.Equal(0.0, report.Classes[0].Ap50);
        Assert.Equal(0, report.Classes[0].AtThreshold.TruePositives);
        Assert.Equal(1, report.Classes[1].AtThreshold.FalsePositives);
        Assert.Equal(0.0, report.Map50);
    }

    [Fact]
    public void Compute_PredictionInAnotherImage_DoesNotMatch()
    {
        EvaluationImage[] images =
        [
            new([Truth(0, 0, 0, 10, 10)], []),
            new([], [Predicted(0, 0.9f, 0, 0, 10, 10)]),
        ];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.5f);

        Assert.Equal(0.0, report.Map50);
        Assert.Equal(new OperatingPoint(0.5f, 0, 1, 1, 0, 0, 0), report.Classes[0].AtThreshold);
    }

    [Fact]
    public void IntersectionOverUnion_HalfCoveredBox_IsExactlyOneHalf()
    {
        Assert.Equal(0.5, DetectionMetrics.IntersectionOverUnion(new BoundingBox(0, 0, 10, 10), new BoundingBox(0, 0, 10, 5)));
        Assert.Equal(0.0, DetectionMetrics.IntersectionOverUnion(new BoundingBox(0, 0, 10, 10), new BoundingBox(10, 0, 20, 10)));
    }

    [Fact]
    public void Compute_IouExactlyAtThreshold_Matches()
    {
        // IoU 50/100 = 0.5 exactly: a match at 0.50, not at 0.55.
        EvaluationImage[] images = [new([Truth(0, 0, 0, 10, 10)], [Predicted(0, 0.9f, 0, 0, 10, 5)])];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.5f);

        Assert.Equal(1.0, report.Classes[0].Ap50!.Value, Tolerance);
        Assert.Equal(0.0, report.Classes[0].ApPerIouThreshold![1]);
        Assert.Equal(1, report.Classes[0].AtThreshold.TruePositives);
    }

    [Fact]
    public void Compute_IouJustBelowThreshold_DoesNotMatch()
    {
        EvaluationImage[] images = [new([Truth(0, 0, 0, 10, 10)], [Predicted(0, 0.9f, 0, 0, 10, 4.99f)])];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.5f);

        Assert.Equal(0.0, report.Map50);
    }

    [Fact]
    public void Compute_BestBoxAlreadyMatched_NextPredictionTakesTheUnmatchedBoxAboveThreshold()
    {
        // g1 (0..10) and g2 (5..15) overlap. The 0.9 prediction sits on g1. The 0.8 one (2..12) overlaps g1 more
        // (IoU 80/120) but g1 is taken, so it takes g2 (IoU 70/130 ≈ 0.54 ≥ 0.5): both are true positives.
        EvaluationImage[] images =
        [
            new([Truth(0, 0, 0, 10, 10), Truth(0, 5, 0, 15, 10)], [Predicted(0, 0.9f, 0, 0, 10, 10), Predicted(0, 0.8f, 2, 0, 12, 10)]),
        ];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.5f);

        Assert.Equal(1.0, report.Map50, Tolerance);
        Assert.Equal(new OperatingPoint(0.5f, 2, 0, 0, 1, 1, 1), report.Classes[0].AtThreshold);
        // At IoU 0.60 the 0.8 prediction matches nothing: recall stops at 1/2, levels 0.00..0.50 at precision 1.
        Assert.Equal(51.0 / 101, report.Classes[0].ApPerIouThreshold![2], Tolerance);
    }

    [Fact]
    public void Compute_ClassWithoutGroundTruth_IsExcludedFromTheMean()
    {
        EvaluationImage[] images =
        [
            new([Truth(0, 0, 0, 10, 10)], [Predicted(0, 0.9f, 0, 0, 10, 10), Predicted(1, 0.9f, 40, 40, 50, 50)]),
        ];

        var report = DetectionMetrics.Compute(images, classCount: 3, confidenceThreshold: 0.5f);

        Assert.Equal(1.0, report.Map50, Tolerance);
        Assert.Equal(1.0, report.Map50To95, Tolerance);
        Assert.Equal(1.0, report.MeanPrecision, Tolerance);
        Assert.Null(report.Classes[1].Ap50);
        Assert.Null(report.Classes[1].Ap50To95);
        Assert.Null(report.Classes[1].AtBestF1);
        Assert.Equal(1, report.Classes[1].AtThreshold.FalsePositives);
        Assert.Null(report.Classes[2].Ap50);
    }

    [Fact]
    public void Compute_NoGroundTruthAnywhere_MeansAreZero()
    {
        EvaluationImage[] images = [new([], [Predicted(0, 0.9f, 0, 0, 10, 10)])];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.5f);

        Assert.Equal(0.0, report.Map50);
        Assert.Equal(0.0, report.Map50To95);
        Assert.Equal(1, report.Classes[0].PredictionCount);
    }

    [Fact]
    public void Compute_KnownIous_Map50To95EqualsHandComputation()
    {
        // Class 0: IoU 75/100 = 0.75 matches at 0.50..0.75 (6 of 10 thresholds) → AP50-95 0.6.
        // Class 1: IoU 60/100 = 0.60 matches at 0.50..0.60 (3 of 10) → 0.3.  mAP50-95 = 0.45, mAP50 = 1.
        EvaluationImage[] images =
        [
            new([Truth(0, 0, 0, 10, 10), Truth(1, 100, 0, 110, 10)], [Predicted(0, 0.9f, 0, 0, 10, 7.5f), Predicted(1, 0.8f, 100, 0, 110, 6)]),
        ];

        var report = DetectionMetrics.Compute(images, classCount: 2, confidenceThreshold: 0.5f);

        Assert.Equal(0.6, report.Classes[0].Ap50To95!.Value, Tolerance);
        Assert.Equal(0.3, report.Classes[1].Ap50To95!.Value, Tolerance);
        Assert.Equal(0.45, report.Map50To95, Tolerance);
        Assert.Equal(1.0, report.Map50, Tolerance);
        Assert.Equal([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], report.Classes[0].ApPerIouThreshold!);
    }

    [Fact]
    public void Compute_LooselyPlacedBoxes_Map50To95BelowMap50()
    {
        var random = new Random(42);
        var images = new List<EvaluationImage>();
        for (var i = 0; i < 40; i++)
        {
            var truth = new List<LabeledBox>();
            var predictions = new List<ScoredBox>();
            for (var k = 0; k < 3; k++)
            {
                var classId = random.Next(2);
                float x = random.Next(0, 500), y = random.Next(0, 500), size = random.Next(20, 60);
                truth.Add(Truth(classId, x, y, x + size, y + size));
                float dx = (float)((random.NextDouble() - 0.5) * size * 0.3), dy = (float)((random.NextDouble() - 0.5) * size * 0.3);
                predictions.Add(Predicted(classId, (float)random.NextDouble(), x + dx, y + dy, x + size + dx, y + size + dy));
            }

            images.Add(new EvaluationImage(truth, predictions));
        }

        var report = DetectionMetrics.Compute(images, classCount: 2, confidenceThreshold: 0.25f);

        Assert.True(report.Map50 > 0.5, $"mAP50 {report.Map50}");
        Assert.True(report.Map50To95 <= report.Map50, $"mAP50-95 {report.Map50To95} > mAP50 {report.Map50}");
        Assert.True(report.Map50To95 < report.Map50 - 0.1, $"loose boxes should cost at strict IoU: {report.Map50To95} vs {report.Map50}");
    }

    [Fact]
    public void Compute_EqualConfidences_BestF1CutsAfterAllOfThem()
    {
        // A threshold at 0.8 keeps both 0.8 predictions; keeping only the first is not a threshold anyone can set.
        EvaluationImage[] images =
        [
            new([Truth(0, 0, 0, 10, 10)], [Predicted(0, 0.8f, 0, 0, 10, 10), Predicted(0, 0.8f, 50, 50, 60, 60)]),
        ];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.5f);

        var best = report.Classes[0].AtBestF1!;
        Assert.Equal((0.8f, 1, 1), (best.Confidence, best.TruePositives, best.FalsePositives));
    }

    [Fact]
    public void Compute_ConfidenceEqualToThreshold_IsKept()
    {
        EvaluationImage[] images = [new([Truth(0, 0, 0, 10, 10)], [Predicted(0, 0.7f, 0, 0, 10, 10)])];

        var report = DetectionMetrics.Compute(images, classCount: 1, confidenceThreshold: 0.7f);

        Assert.Equal(1, report.Classes[0].AtThreshold.TruePositives);
    }

    [Fact]
    public void IouThresholds_AreFiftyToNinetyFiveInStepsOfFive()
    {
        Assert.Equal([0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95], DetectionMetrics.IouThresholds);
    }

    private static LabeledBox Truth(int classId, float x1, float y1, float x2, float y2) =>
        new(classId, new BoundingBox(x1, y1, x2, y2));

    private static ScoredBox Predicted(int classId, float confidence, float x1, float y1, float x2, float y2) =>
        new(classId, confidence, new BoundingBox(x1, y1, x2, y2));
}
