using OpenCvSharp;

namespace Inspection.Detection;

/// <summary>
/// Ultralytics letterbox geometry: the frame is scaled to fit the network input keeping its aspect ratio
/// and centred on a gray (114) canvas. <see cref="FillPadding"/> and <see cref="FillImage"/> write the
/// network input (RGB, scaled to [0, 1], planar NCHW); <see cref="ToSource"/> maps boxes back.
/// </summary>
/// <param name="SourceWidth">Frame width in pixels.</param>
/// <param name="SourceHeight">Frame height in pixels.</param>
/// <param name="TargetWidth">Network input width in pixels.</param>
/// <param name="TargetHeight">Network input height in pixels.</param>
/// <param name="Scale">Frame pixels × <paramref name="Scale"/> = network pixels.</param>
/// <param name="ResizedWidth">Width of the scaled frame inside the canvas.</param>
/// <param name="ResizedHeight">Height of the scaled frame inside the canvas.</param>
/// <param name="PadLeft">Gray columns left of the scaled frame.</param>
/// <param name="PadTop">Gray rows above the scaled frame.</param>
public readonly record struct Letterbox(
    int SourceWidth,
    int SourceHeight,
    int TargetWidth,
    int TargetHeight,
    float Scale,
    int ResizedWidth,
    int ResizedHeight,
    int PadLeft,
    int PadTop)
{
    /// <summary>The gray level of the padding, as in Ultralytics training.</summary>
    public const byte PadValue = 114;

    private const float InverseByteRange = 1f / 255f;

    /// <summary>Number of floats in the network input tensor (3 × height × width).</summary>
    public int TensorLength => 3 * TargetWidth * TargetHeight;

    /// <summary>Computes the geometry that fits a <paramref name="sourceWidth"/> × <paramref name="sourceHeight"/> frame into the network input.</summary>
    public static Letterbox Compute(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetHeight);

        // Same arithmetic as Ultralytics (double precision, round half to even, the -0.1 nudge that puts
        // the odd pixel of padding on the right/bottom), so a model sees exactly what it was validated on.
        var scale = Math.Min((double)targetWidth / sourceWidth, (double)targetHeight / sourceHeight);
        var resizedWidth = Math.Clamp((int)Math.Round(sourceWidth * scale), 1, targetWidth);
        var resizedHeight = Math.Clamp((int)Math.Round(sourceHeight * scale), 1, targetHeight);
        var padLeft = (int)Math.Round(((targetWidth - resizedWidth) / 2.0) - 0.1);
        var padTop = (int)Math.Round(((targetHeight - resizedHeight) / 2.0) - 0.1);
        return new Letterbox(
            sourceWidth, sourceHeight, targetWidth, targetHeight, (float)scale, resizedWidth, resizedHeight, padLeft, padTop);
    }

    /// <summary>Maps a point from frame pixels to network-input pixels.</summary>
    public (float X, float Y) ToTarget(float x, float y) => ((x * Scale) + PadLeft, (y * Scale) + PadTop);

    /// <summary>Maps a box from network-input pixels to frame pixels, clipped to the frame.</summary>
    public BoundingBox ToSource(float x1, float y1, float x2, float y2) => new(
        Math.Clamp((x1 - PadLeft) / Scale, 0, SourceWidth),
        Math.Clamp((y1 - PadTop) / Scale, 0, SourceHeight),
        Math.Clamp((x2 - PadLeft) / Scale, 0, SourceWidth),
        Math.Clamp((y2 - PadTop) / Scale, 0, SourceHeight));

    /// <summary>
    /// Writes the padding gray into the whole tensor. The padding never changes while the frame size stays
    /// the same, so this runs once per geometry and <see cref="FillImage"/> only overwrites the image area.
    /// </summary>
    public void FillPadding(Span<float> tensor)
    {
        CheckLength(tensor);
        tensor.Fill(PadValue * InverseByteRange);
    }

    /// <summary>
    /// Resizes <paramref name="bgrFrame"/> into <paramref name="resizeBuffer"/> (reused across calls) and writes
    /// it into the image area of <paramref name="tensor"/> as planar RGB in [0, 1].
    /// </summary>
    public unsafe void FillImage(Mat bgrFrame, Mat resizeBuffer, Span<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(bgrFrame);
        ArgumentNullException.ThrowIfNull(resizeBuffer);
        CheckLength(tensor);
        if (bgrFrame.Width != SourceWidth || bgrFrame.Height != SourceHeight)
        {
            throw new ArgumentException(
                $"The frame is {bgrFrame.Width}x{bgrFrame.Height} but this letterbox was computed for {SourceWidth}x{SourceHeight}.",
                nameof(bgrFrame));
        }

        if (bgrFrame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException(
                $"Expected an 8-bit, 3-channel BGR frame (CV_8UC3), got {bgrFrame.Type()}.", nameof(bgrFrame));
        }

        var source = bgrFrame;
        if (ResizedWidth != SourceWidth || ResizedHeight != SourceHeight)
        {
            Cv2.Resize(bgrFrame, resizeBuffer, new Size(ResizedWidth, ResizedHeight), 0, 0, InterpolationFlags.Linear);
            source = resizeBuffer;
        }

        var plane = TargetWidth * TargetHeight;
        fixed (float* destination = tensor)
        {
            var red = destination;
            var green = destination + plane;
            var blue = destination + (2 * plane);
            for (var y = 0; y < ResizedHeight; y++)
            {
                // Row by row through Ptr: the frame may be a non-continuous ROI of a larger image.
                var row = (byte*)source.Ptr(y);
                var offset = ((PadTop + y) * TargetWidth) + PadLeft;
                for (var x = 0; x < ResizedWidth; x++)
                {
                    var pixel = row + (3 * x);
                    blue[offset + x] = pixel[0] * InverseByteRange;
                    green[offset + x] = pixel[1] * InverseByteRange;
                    red[offset + x] = pixel[2] * InverseByteRange;
                }
            }
        }
    }

    private void CheckLength(Span<float> tensor)
    {
        if (tensor.Length != TensorLength)
        {
            throw new ArgumentException(
                $"The input tensor holds {tensor.Length} floats; a {TargetWidth}x{TargetHeight} RGB input needs {TensorLength}.",
                nameof(tensor));
        }
    }
}
