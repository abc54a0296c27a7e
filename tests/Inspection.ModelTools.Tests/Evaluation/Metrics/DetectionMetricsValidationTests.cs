using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Tests.Evaluation.Metrics;

public sealed class DetectionMetricsValidationTests
{
    private static readonly LabeledBox GoodTruth = new(0, new BoundingBox(0, 0, 10, 10));
    private static readonly ScoredBox GoodPrediction = new(0, 0.9f, new BoundingBox(0, 0, 10, 10));

    [Fact]
    public void Compute_NoClasses_ThrowsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMetrics.Compute([Image([GoodTruth], [])], 0, 0.5f));
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void Compute_ConfidenceThresholdOutsideZeroToOne_ThrowsOutOfRange(float threshold)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMetrics.Compute([Image([GoodTruth], [])], 1, threshold));

        Assert.Contains("between 0 and 1", error.Message);
    }

    [Fact]
    public void Compute_NoImages_ThrowsSayingSo()
    {
        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([], 1, 0.5f));

        Assert.Contains("no images", error.Message);
    }

    [Fact]
    public void Compute_NullImage_ThrowsNamingItsIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([Image([GoodTruth], []), null!], 1, 0.5f));

        Assert.Contains("Image 1", error.Message);
    }

    [Fact]
    public void Constructor_NullTruthList_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new EvaluationImage(null!, []));
        Assert.Throws<ArgumentNullException>(() => new EvaluationImage([], null!));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void Compute_TruthClassOutsideModel_ThrowsNamingImageBoxAndClass(int classId)
    {
        EvaluationImage[] images = [Image([GoodTruth], []), new([GoodTruth, GoodTruth with { ClassId = classId }], [], "val/0007.png")];

        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute(images, 2, 0.5f));

        Assert.Contains("Image 1 (val/0007.png), ground-truth box 1", error.Message);
        Assert.Contains($"class {classId} is not one of the model's 2 classes", error.Message);
    }

    [Fact]
    public void Compute_PredictionClassOutsideModel_ThrowsNamingThePrediction()
    {
        var error = Assert.Throws<ArgumentException>(
            () => DetectionMetrics.Compute([Image([GoodTruth], [GoodPrediction, GoodPrediction with { ClassId = 5 }])], 2, 0.5f));

        Assert.Contains("Image 0, prediction 1: class 5", error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(1.2f)]
    [InlineData(-0.01f)]
    public void Compute_PredictionConfidenceOutsideZeroToOne_ThrowsNamingThePrediction(float confidence)
    {
        var error = Assert.Throws<ArgumentException>(
            () => DetectionMetrics.Compute([Image([GoodTruth], [GoodPrediction with { Confidence = confidence }])], 1, 0.5f));

        Assert.Contains("Image 0, prediction 0: confidence", error.Message);
    }

    [Fact]
    public void Compute_InvertedPredictionBox_ThrowsExplainingCornerOrder()
    {
        var inverted = GoodPrediction with { Box = new BoundingBox(10, 0, 0, 10) };

        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([Image([GoodTruth], [inverted])], 1, 0.5f));

        Assert.Contains("Image 0, prediction 0", error.Message);
        Assert.Contains("inverted", error.Message);
    }

    [Fact]
    public void Compute_InvertedTruthBox_ThrowsExplainingCornerOrder()
    {
        var inverted = GoodTruth with { Box = new BoundingBox(0, 10, 10, 0) };

        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([Image([inverted], [])], 1, 0.5f));

        Assert.Contains("Image 0, ground-truth box 0", error.Message);
        Assert.Contains("inverted", error.Message);
    }

    [Fact]
    public void Compute_NotANumberCoordinate_ThrowsNamingTheBox()
    {
        var broken = GoodPrediction with { Box = new BoundingBox(0, float.NaN, 10, 10) };

        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([Image([GoodTruth], [broken])], 1, 0.5f));

        Assert.Contains("Image 0, prediction 0", error.Message);
        Assert.Contains("not a number", error.Message);
    }

    [Fact]
    public void Compute_ZeroAreaTruthBox_ThrowsAskingToFixTheLabel()
    {
        var flat = GoodTruth with { Box = new BoundingBox(0, 5, 10, 5) };

        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([Image([flat], [])], 1, 0.5f));

        Assert.Contains("Image 0, ground-truth box 0", error.Message);
        Assert.Contains("no area", error.Message);
    }

    [Fact]
    public void Compute_ZeroAreaPrediction_IsAFalsePositive()
    {
        var point = GoodPrediction with { Box = new BoundingBox(5, 5, 5, 5) };

        var report = DetectionMetrics.Compute([Image([GoodTruth], [point])], 1, 0.5f);

        Assert.Equal(1, report.Classes[0].AtThreshold.FalsePositives);
    }

    [Fact]
    public void Compute_InvalidInput_LeavesTheImagesUntouched()
    {
        var truth = new List<LabeledBox> { GoodTruth };
        var predictions = new List<ScoredBox> { GoodPrediction, GoodPrediction with { ClassId = 9 } };

        Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([Image(truth, predictions)], 1, 0.5f));

        Assert.Equal([GoodTruth], truth);
        Assert.Equal([GoodPrediction, GoodPrediction with { ClassId = 9 }], predictions);
    }

    private static EvaluationImage Image(IReadOnlyList<LabeledBox> truth, IReadOnlyList<ScoredBox> predictions) => new(truth, predictions);
}
