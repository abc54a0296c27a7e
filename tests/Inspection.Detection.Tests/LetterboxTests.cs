using OpenCvSharp;

namespace Inspection.Detection.Tests;

public sealed class LetterboxTests
{
    private const float Gray = 114f / 255f;

    [Fact]
    public void Compute_WideFrame_PadsTopAndBottomEqually()
    {
        var box = Letterbox.Compute(640, 480, 320, 320);

        Assert.Equal(0.5f, box.Scale);
        Assert.Equal((320, 240), (box.ResizedWidth, box.ResizedHeight));
        Assert.Equal((0, 40), (box.PadLeft, box.PadTop));
    }

    [Fact]
    public void Compute_TallFrame_PadsLeftAndRightEqually()
    {
        var box = Letterbox.Compute(480, 640, 320, 320);

        Assert.Equal(0.5f, box.Scale);
        Assert.Equal((240, 320), (box.ResizedWidth, box.ResizedHeight));
        Assert.Equal((40, 0), (box.PadLeft, box.PadTop));
    }

    [Fact]
    public void Compute_SquareFrame_ScalesUpWithoutPadding()
    {
        var box = Letterbox.Compute(100, 100, 320, 320);

        Assert.Equal(3.2f, box.Scale);
        Assert.Equal((320, 320), (box.ResizedWidth, box.ResizedHeight));
        Assert.Equal((0, 0), (box.PadLeft, box.PadTop));
    }

    [Fact]
    public void Compute_OddPadding_PutsTheExtraRowAtTheBottomLikeUltralytics()
    {
        // 100x51 into 64x64: scale 0.64, height round(32.64) = 33, 31 rows of padding → 15 above, 16 below.
        var box = Letterbox.Compute(100, 51, 64, 64);

        Assert.Equal((64, 33), (box.ResizedWidth, box.ResizedHeight));
        Assert.Equal(15, box.PadTop);
    }

    [Fact]
    public void Compute_NonPositiveSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Letterbox.Compute(0, 480, 320, 320));
        Assert.Throws<ArgumentOutOfRangeException>(() => Letterbox.Compute(640, 480, 320, -1));
    }

    [Fact]
    public void ToSource_RoundTripFromTarget_ReturnsTheOriginalBox()
    {
        var box = Letterbox.Compute(1280, 720, 320, 320);
        var (x1, y1) = box.ToTarget(100, 200);
        var (x2, y2) = box.ToTarget(500, 650);

        var back = box.ToSource(x1, y1, x2, y2);

        Assert.Equal(100, back.X1, 3);
        Assert.Equal(200, back.Y1, 3);
        Assert.Equal(500, back.X2, 3);
        Assert.Equal(650, back.Y2, 3);
    }

    [Fact]
    public void ToSource_BoxReachingIntoPadding_IsClippedToTheFrame()
    {
        var box = Letterbox.Compute(640, 480, 320, 320);

        var clipped = box.ToSource(-10, 0, 330, 320);

        Assert.Equal(new BoundingBox(0, 0, 640, 480), clipped);
    }

    [Fact]
    public void FillImage_WideFrame_WritesGrayPaddingAndRgbPlanes()
    {
        // Pure blue in BGR: the red plane must read 0 and the blue plane 1 after the BGR → RGB swap.
        using var frame = new Mat(32, 64, MatType.CV_8UC3, new Scalar(255, 0, 0));
        using var buffer = new Mat();
        var box = Letterbox.Compute(64, 32, 32, 32);
        var tensor = new float[box.TensorLength];

        box.FillPadding(tensor);
        box.FillImage(frame, buffer, tensor);

        const int plane = 32 * 32;
        Assert.Equal(8, box.PadTop);
        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(Gray, tensor[(c * plane) + (0 * 32) + 5], 5);
            Assert.Equal(Gray, tensor[(c * plane) + (31 * 32) + 5], 5);
        }

        var inside = (16 * 32) + 16;
        Assert.Equal(0f, tensor[inside]);
        Assert.Equal(0f, tensor[plane + inside]);
        Assert.Equal(1f, tensor[(2 * plane) + inside]);
    }

    [Fact]
    public void FillImage_RoiOfLargerImage_ReadsOnlyTheRoi()
    {
        using var canvas = new Mat(40, 40, MatType.CV_8UC3, Scalar.All(0));
        using var roi = new Mat(canvas, new Rect(10, 10, 16, 16));
        roi.SetTo(Scalar.All(255));
        using var buffer = new Mat();
        var box = Letterbox.Compute(16, 16, 16, 16);
        var tensor = new float[box.TensorLength];

        box.FillImage(roi, buffer, tensor);

        Assert.All(tensor, value => Assert.Equal(1f, value));
    }

    [Fact]
    public void FillImage_FrameOfOtherSize_ThrowsAndLeavesTensorUntouched()
    {
        using var frame = new Mat(10, 10, MatType.CV_8UC3, Scalar.All(255));
        using var buffer = new Mat();
        var box = Letterbox.Compute(20, 20, 16, 16);
        var tensor = new float[box.TensorLength];

        var error = Assert.Throws<ArgumentException>(() => box.FillImage(frame, buffer, tensor));

        Assert.Contains("10x10", error.Message, StringComparison.Ordinal);
        Assert.All(tensor, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void FillImage_GrayscaleFrame_ThrowsNamingTheExpectedType()
    {
        using var frame = new Mat(16, 16, MatType.CV_8UC1, Scalar.All(255));
        using var buffer = new Mat();
        var box = Letterbox.Compute(16, 16, 16, 16);

        var error = Assert.Throws<ArgumentException>(() => box.FillImage(frame, buffer, new float[box.TensorLength]));

        Assert.Contains("CV_8UC3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FillPadding_TensorOfWrongLength_Throws()
    {
        var box = Letterbox.Compute(16, 16, 16, 16);

        Assert.Throws<ArgumentException>(() => box.FillPadding(new float[10]));
    }
}
