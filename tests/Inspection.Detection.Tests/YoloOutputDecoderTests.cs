namespace Inspection.Detection.Tests;

public sealed class YoloOutputDecoderTests
{
    private const string Model = "model.onnx";

    [Theory]
    [InlineData(84, 8400, 80, YoloOutputLayout.YoloV8)]
    [InlineData(25200, 85, 80, YoloOutputLayout.YoloV5)]
    [InlineData(300, 6, 80, YoloOutputLayout.EndToEnd)]
    [InlineData(300, 6, 1, YoloOutputLayout.EndToEnd)]
    [InlineData(6300, 6, 1, YoloOutputLayout.YoloV5)]
    [InlineData(6, 6, 2, YoloOutputLayout.YoloV8)]
    public void Create_ShapeAndNamedClasses_PicksLayout(long a, long b, int classes, YoloOutputLayout expected)
    {
        var decoder = YoloOutputDecoder.Create(Model, [1, a, b], classes, endToEnd: null);

        Assert.Equal(expected, decoder.Layout);
    }

    [Theory]
    [InlineData(6, 2100, YoloOutputLayout.YoloV8, 2)]
    [InlineData(2100, 7, YoloOutputLayout.YoloV5, 2)]
    [InlineData(300, 6, YoloOutputLayout.EndToEnd, 0)]
    public void Create_NoNames_InfersLayoutAndClassCount(long a, long b, YoloOutputLayout expected, int classes)
    {
        var decoder = YoloOutputDecoder.Create(Model, [1, a, b], namedClasses: null, endToEnd: null);

        Assert.Equal(expected, decoder.Layout);
        Assert.Equal(classes, decoder.ClassCount);
    }

    [Fact]
    public void Create_EndToEndMetadataFalse_ReadsSmallSixColumnOutputAsYoloV5()
    {
        var decoder = YoloOutputDecoder.Create(Model, [1, 300, 6], 1, endToEnd: false);

        Assert.Equal(YoloOutputLayout.YoloV5, decoder.Layout);
    }

    [Fact]
    public void Create_EndToEndMetadataTrue_WinsOverYoloV8Match()
    {
        var decoder = YoloOutputDecoder.Create(Model, [1, 6, 6], 2, endToEnd: true);

        Assert.Equal(YoloOutputLayout.EndToEnd, decoder.Layout);
    }

    [Fact]
    public void Create_EndToEndMetadataButWrongWidth_Throws()
    {
        var error = Assert.Throws<ModelContractException>(() => YoloOutputDecoder.Create(Model, [1, 300, 7], 2, endToEnd: true));

        Assert.Contains("[1, 300, 7]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ClassCountDisagreesWithNames_ThrowsNamingBothCounts()
    {
        var error = Assert.Throws<ModelContractException>(() => YoloOutputDecoder.Create(Model, [1, 84, 8400], 2, endToEnd: null));

        Assert.Contains("80 classes", error.Message, StringComparison.Ordinal);
        Assert.Contains("lists 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 6, N]", error.Message, StringComparison.Ordinal);
        Assert.Equal(Model, error.ModelPath);
    }

    [Fact]
    public void Create_YoloV5ClassCountDisagreesWithNames_Throws()
    {
        var error = Assert.Throws<ModelContractException>(() => YoloOutputDecoder.Create(Model, [1, 25200, 85], 3, endToEnd: null));

        Assert.Contains("80 classes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 1, 8400 })]
    [InlineData(new long[] { 1, 84, 8400, 1 })]
    public void Create_OutputRankNotThree_ThrowsWithShape(long[] shape)
    {
        var error = Assert.Throws<ModelContractException>(() => YoloOutputDecoder.Create(Model, shape, 80, endToEnd: null));

        Assert.Contains($"rank {shape.Length}", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 84, N]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BatchOfTwo_Throws()
    {
        Assert.Throws<ModelContractException>(() => YoloOutputDecoder.Create(Model, [2, 84, 8400], 80, endToEnd: null));
    }

    [Fact]
    public void Create_ShapeMatchingNothing_Throws()
    {
        var error = Assert.Throws<ModelContractException>(() => YoloOutputDecoder.Create(Model, [1, 3, 3], null, endToEnd: null));

        Assert.Contains("matches no supported layout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_YoloV8_ConvertsCentersToCornersAndPicksBestClass()
    {
        // [1, 4+2, 3]: channel-major. Box 0: class 1 at 0.9; box 1: below threshold; box 2: class 0 at 0.6.
        float[] output =
        [
            10, 50, 100, // cx
            20, 50, 200, // cy
            4, 10, 20, // w
            6, 10, 40, // h
            0.1f, 0.2f, 0.6f, // class 0
            0.9f, 0.1f, 0.3f, // class 1
        ];
        var decoder = YoloOutputDecoder.Create(Model, [1, 6, 3], 2, null);
        var candidates = new List<DetectionCandidate>();

        decoder.Decode(output, 0.5f, candidates);

        Assert.Equal(
            [new DetectionCandidate(1, 0.9f, 8, 17, 12, 23), new DetectionCandidate(0, 0.6f, 90, 180, 110, 220)],
            candidates);
    }

    [Fact]
    public void Decode_YoloV5_ScoresAreObjectnessTimesClassScore()
    {
        // [1, 2, 5+2]: row-major. Box 0: obj 0.8 × class 1 0.75 = 0.6; box 1: obj 0.9 × 0.5 = 0.45 < 0.5.
        float[] output =
        [
            10, 20, 4, 6, 0.8f, 0.1f, 0.75f,
            50, 50, 10, 10, 0.9f, 0.5f, 0.2f,
        ];
        var decoder = YoloOutputDecoder.Create(Model, [1, 2, 7], 2, null);
        var candidates = new List<DetectionCandidate>();

        decoder.Decode(output, 0.5f, candidates);

        var only = Assert.Single(candidates);
        Assert.Equal(1, only.ClassId);
        Assert.Equal(0.6f, only.Score, 5);
        Assert.Equal((8f, 17f, 12f, 23f), (only.X1, only.Y1, only.X2, only.Y2));
    }

    [Fact]
    public void Decode_EndToEnd_ReadsCornersScoreAndClass()
    {
        float[] output =
        [
            1, 2, 3, 4, 0.95f, 2,
            5, 6, 7, 8, 0.2f, 0,
            9, 10, 11, 12, 0.7f, 1,
        ];
        var decoder = YoloOutputDecoder.Create(Model, [1, 3, 6], 3, null);
        var candidates = new List<DetectionCandidate>();

        decoder.Decode(output, 0.5f, candidates);

        Assert.Equal(
            [new DetectionCandidate(2, 0.95f, 1, 2, 3, 4), new DetectionCandidate(1, 0.7f, 9, 10, 11, 12)],
            candidates);
    }

    [Fact]
    public void Decode_NonFiniteValues_SkipsThoseBoxes()
    {
        float[] output =
        [
            float.NaN, 50, 100,
            20, 50, 200,
            4, 10, 20,
            6, float.PositiveInfinity, 40,
            0.9f, 0.9f, float.NaN,
        ];
        var decoder = YoloOutputDecoder.Create(Model, [1, 5, 3], 1, null);
        var candidates = new List<DetectionCandidate>();

        decoder.Decode(output, 0.5f, candidates);

        Assert.Empty(candidates);
    }

    [Fact]
    public void Decode_OutputOfWrongLength_Throws()
    {
        var decoder = YoloOutputDecoder.Create(Model, [1, 6, 3], 2, null);

        Assert.Throws<ArgumentException>(() => decoder.Decode(new float[17], 0.5f, []));
    }
}
