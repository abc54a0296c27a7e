using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Escalations;

public sealed class JpegHeaderTests
{
    [Theory]
    [InlineData(64, 48, false)]
    [InlineData(1, 1, false)]
    [InlineData(1921, 1079, false)]
    [InlineData(640, 480, true)]
    public void TryReadSize_EncodedJpeg_SizeOfTheImage(int width, int height, bool progressive)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3, new Scalar(10, 120, 200));
        Cv2.ImEncode(".jpg", image, out var jpeg, progressive ? [new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1)] : []);

        Assert.True(JpegHeader.TryReadSize(jpeg, out var readWidth, out var readHeight));
        Assert.Equal((width, height), (readWidth, readHeight));
    }

    [Fact]
    public void TryReadSize_FillBytesBeforeAMarker_Skipped()
    {
        var jpeg = TestFrames.Jpeg(128);
        byte[] filled = [.. jpeg[..2], 0xFF, 0xFF, 0xFF, .. jpeg[2..]];

        Assert.True(JpegHeader.TryReadSize(filled, out var width, out var height));
        Assert.Equal((64, 48), (width, height));
    }

    [Fact]
    public void TryReadSize_SizePatchedInTheHeader_ReadsThePatchedSize()
    {
        var jpeg = RefusedFrameTests.WithStatedSize(TestFrames.Jpeg(128), 12000, 9000);

        Assert.True(JpegHeader.TryReadSize(jpeg, out var width, out var height));
        Assert.Equal((12000, 9000), (width, height));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xFF, 0xD8 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3, 4, 5 })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x00, 0x00, 0x40, 0x03, 0, 0, 0 })]
    public void TryReadSize_NoUsableFrameHeader_False(byte[] bytes) =>
        Assert.False(JpegHeader.TryReadSize(bytes, out _, out _));

    [Fact]
    public void TryReadSize_TruncatedAnywhereBeforeTheFrameHeader_FalseNeverThrows()
    {
        var jpeg = TestFrames.Jpeg(128);
        var sof = RefusedFrameTests.FrameHeaderOffset(jpeg);

        for (var length = 0; length < sof + 9; length++)
        {
            Assert.False(JpegHeader.TryReadSize(jpeg.AsSpan(0, length), out _, out _), $"{length} bytes");
        }
    }
}
