using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Tests.Evaluation.Metrics;

public sealed class ConfusionMatrixTests
{
    private const int Scratch = 0;
    private const int Spot = 1;
    private const int Crack = 2;
    private const int Dent = 3;
    private const int None = 4;

    [Fact]
    public void Compute_HandMadeCase_CountsEachBoxUnderTheClassItWasGiven()
    {
        EvaluationImage[] images =
        [
            new(
                [Truth(Crack, 0, 0, 10, 10), Truth(Spot, 50, 50, 60, 60), Truth(Scratch, 100, 100, 140, 110)],
                [
                    Predicted(Scratch, 0.9f, 0, 0, 10, 10),       // the crack, taken for a scratch
                    Predicted(Dent, 0.8f, 200, 200, 210, 210),    // on nothing: a false alarm
                    Predicted(Scratch, 0.1f, 100, 100, 140, 110), // below the threshold: the scratch counts as missed
                ],                                                // the spot: missed
                "A"),
            new([Truth(Crack, 0, 0, 10, 10)], [Predicted(Crack, 0.5f, 0, 0, 10, 10)], "B"),
        ];

        var matrix = Matrix(images);

        var expected = Empty();
        expected[Crack][Scratch] = 1;
        expected[Crack][Crack] = 1;
        expected[None][Dent] = 1;
        expected[Scratch][None] = 1;
        expected[Spot][None] = 1;
        AssertCounts(expected, matrix);
        var mistake = Assert.Single(matrix.Mistakes);
        Assert.Equal(new ClassMistake(0, "A", Crack, Scratch, 0.9f, new BoundingBox(0, 0, 10, 10), new BoundingBox(0, 0, 10, 10)), mistake);
        Assert.Equal(0.25f, matrix.ConfidenceThreshold);
        Assert.Equal(0.5, matrix.IouThreshold);
    }

    [Fact]
    public void Compute_TwoPredictionsOnOneBox_TheBetterOverlapPairsAndTheOtherIsAFalseAlarm()
    {
        // The crack box is more confident but fits worse: pairs go by IoU, as in Ultralytics' matrix.
        EvaluationImage[] images =
        [
            new([Truth(Scratch, 0, 0, 40, 10)], [Predicted(Crack, 0.9f, 0, 0, 40, 9), Predicted(Scratch, 0.5f, 0, 0, 40, 10)]),
        ];

        var matrix = Matrix(images);

        var expected = Empty();
        expected[Scratch][Scratch] = 1;
        expected[None][Crack] = 1;
        AssertCounts(expected, matrix);
        Assert.Empty(matrix.Mistakes);
    }

    [Fact]
    public void Compute_OverlapBelowTheIouThreshold_IsAMissAndAFalseAlarm()
    {
        // IoU 0.4 < 0.5: not about the same defect.
        EvaluationImage[] images = [new([Truth(Dent, 0, 0, 10, 10)], [Predicted(Dent, 0.9f, 0, 0, 4, 10)])];

        var matrix = Matrix(images);

        var expected = Empty();
        expected[Dent][None] = 1;
        expected[None][Dent] = 1;
        AssertCounts(expected, matrix);
    }

    [Fact]
    public void DetectionMetricsCompute_IncludesTheMatrixAtTheReportsThreshold()
    {
        EvaluationImage[] images = [new([Truth(Spot, 0, 0, 10, 10)], [Predicted(Dent, 0.6f, 0, 0, 10, 10)])];

        var report = DetectionMetrics.Compute(images, classCount: 4, confidenceThreshold: 0.7f);

        Assert.Equal(0.7f, report.Confusion.ConfidenceThreshold);
        Assert.Equal(1, report.Confusion.Counts[Spot][None]); // 0.6 is below 0.7
        Assert.Equal(0, report.Confusion.Counts[Spot][Dent]);
    }

    // The matrix is part of the metrics report; DetectionMetrics checks the images first.
    private static ConfusionMatrix Matrix(EvaluationImage[] images) =>
        DetectionMetrics.Compute(images, classCount: 4, confidenceThreshold: 0.25f).Confusion;

    private static int[][] Empty() => [.. Enumerable.Range(0, 5).Select(_ => new int[5])];

    private static void AssertCounts(int[][] expected, ConfusionMatrix matrix) =>
        Assert.Equal(expected.Select(row => row.ToArray()), matrix.Counts.Select(row => row.ToArray()));

    private static LabeledBox Truth(int classId, float x1, float y1, float x2, float y2) => new(classId, new BoundingBox(x1, y1, x2, y2));

    private static ScoredBox Predicted(int classId, float confidence, float x1, float y1, float x2, float y2) =>
        new(classId, confidence, new BoundingBox(x1, y1, x2, y2));
}
