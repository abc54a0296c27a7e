using Inspection.Detection.Parts;
using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.ModelTools.Tests.Line;

public sealed class SyntheticLineVariantTests
{
    // Crops (200×150 at 220,165) of frames 0, 150 and 777 of line 7 as the line rendered them before part variants
    // existed (Line/Reference/*.png, written by that code). The shipped models' figures and many tests were measured on
    // these pixels, so the default variant must keep them. The comparison allows a difference of 2 grey levels on at
    // most 0.5 % of the values: floating-point blurs and products may round differently on another processor's SIMD
    // path, while any change to how a part or the belt is drawn moves far more values by far more.
    private static readonly long[] ReferenceFrames = [0, 150, 777];

    private static readonly Rect ReferenceCrop = new(220, 165, 200, 150);

    private static byte[] Pixels(Mat frame)
    {
        frame.GetArray(out Vec3b[] pixels);
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Render_DefaultLine_SamePixelsAsBeforeVariants(int which)
    {
        var index = ReferenceFrames[which];
        using var line = new SyntheticLine(7);
        using var rendered = line.Render(index);
        using var crop = new Mat(rendered.Frame, ReferenceCrop).Clone();
        using var reference = Cv2.ImRead(Path.Combine(AppContext.BaseDirectory, "Line", "Reference", $"line7-frame{index}.png"), ImreadModes.Color);
        Assert.False(reference.Empty(), $"reference crop of frame {index} is missing from the test output");

        var (actual, expected) = (Pixels(crop), Pixels(reference));
        Assert.Equal(expected.Length, actual.Length);
        var differing = 0;
        var largest = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var difference = Math.Abs(actual[i] - expected[i]);
            differing += difference > 0 ? 1 : 0;
            largest = Math.Max(largest, difference);
        }

        Assert.True(
            largest <= 2 && differing <= actual.Length / 200,
            $"frame {index} of the default line differs from its reference: {differing} of {actual.Length} values, by up to {largest} grey levels");
    }

    [Fact]
    public void Render_VariantB_SameDefectsAndPartsDifferentPixels()
    {
        using var a = new SyntheticLine(7);
        using var b = new SyntheticLine(7, variant: LineVariant.B);

        using var first = a.Render(354);
        using var second = b.Render(354);

        Assert.NotEmpty(first.Truth);
        Assert.Equal(first.Truth, second.Truth);
        Assert.Equal(first.Parts.Select(p => p.Box), second.Parts.Select(p => p.Box));
        Assert.NotEqual(Pixels(first.Frame), Pixels(second.Frame));
    }

    [Fact]
    public void Render_VariantB_PlatesDarkerAndBluerThanVariantA()
    {
        using var a = new SyntheticLine(7);
        using var b = new SyntheticLine(7, variant: LineVariant.B);
        using var first = a.Render(354);
        using var second = b.Render(354);
        var part = first.Parts.First(p => p.FullyVisible);
        var (x, y) = ((int)((part.Box.X1 + part.Box.X2) / 2), (int)((part.Box.Y1 + part.Box.Y2) / 2) + 12);

        var (pa, pb) = (first.Frame.At<Vec3b>(y, x), second.Frame.At<Vec3b>(y, x));

        Assert.True(pb.Item1 < pa.Item1 - 15, $"variant B green {pb.Item1}, variant A {pa.Item1}");
        Assert.True(pb.Item0 > pb.Item2 + 20, $"variant B blue {pb.Item0}, red {pb.Item2}");
    }

    [Fact]
    public void PartTracker_VariantB_FindsEveryWholePlate()
    {
        using var line = new SyntheticLine(1000, variant: LineVariant.B);
        using var tracker = new PartTracker(new PartTrackerOptions());
        var (whole, found) = (0, 0);

        for (var i = 0; i < 900; i++)
        {
            using var rendered = line.Render(150 + i);
            tracker.Track(rendered.Frame);
            foreach (var part in rendered.Parts.Where(p => p.FullyVisible))
            {
                whole++;
                var sightings = tracker.InView.ToArray();
                found += sightings.Any(s => part.Contains(s.CenterX, s.CenterY)) ? 1 : 0;
            }
        }

        Assert.True(whole > 300, $"only {whole} whole views");
        Assert.Equal(whole, found);
    }
}
