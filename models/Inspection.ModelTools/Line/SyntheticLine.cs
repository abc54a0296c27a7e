using Inspection.Detection;
using OpenCvSharp;

namespace Inspection.ModelTools.Line;

/// <summary>
/// A deterministic synthetic production line: a dark, textured conveyor belt moving left to right,
/// carrying light-grey machined plates with two holes; about half the plates carry defects (scratches,
/// spots, cracks, dents), a share of them faint. Lighting drifts, the camera adds noise and slight blur.
/// <see cref="Render"/> is a pure function of (seed, size, frame index): the same arguments give the
/// same pixels in any order, on any thread, so tests and tools can jump straight to any frame.
/// </summary>
/// <remarks>
/// Geometry is designed at 640×480 and scaled with the frame, so a part fills the same share of any frame size.
/// Thread-safe: the only shared state is the immutable belt texture.
/// </remarks>
public sealed class SyntheticLine : IDisposable
{
    /// <summary>
    /// Frames between the entries of consecutive parts (before a jitter of up to 15 frames). At the design
    /// speed the gap is at least 60 × 6 = 360 pixels, more than the largest rotated plate, so parts never overlap.
    /// </summary>
    public const int PartPeriodFrames = 75;

    internal const int PartJitterFrames = 15;
    private const double BeltSpeed = 6;        // base pixels per frame
    private const double DefectiveShare = 0.5;
    private const double FaintShare = 0.35;
    private const int SubPixelShift = 4;       // OpenCV draws with 1/16 pixel precision
    private const double SubPixelScale = 1 << SubPixelShift;
    private const double MinVisibleShare = 0.4;
    private const double MinVisiblePixels = 4;    // at the 640×480 design size

    // Blue, green, red gains of variant B's anodised plates: the grey the tracker sees drops by under 4 %.
    private static readonly Scalar VariantBTint = new(1.12, 1.0, 0.88);

    private readonly Mat _belt;                // 8UC1, two belt periods side by side so any window is one crop
    private readonly int _beltPeriod;
    private readonly double _lightPhase;
    private readonly double _flickerPhase;
    private readonly Mat _gradientMap;        // 32FC1, the lamp's left-right falloff

    /// <param name="seed">Everything on the line follows from it.</param>
    /// <param name="width">Frame width in pixels (at least 64).</param>
    /// <param name="height">Frame height in pixels (at least 48).</param>
    /// <param name="variant">The part the line carries (<see cref="LineVariant.A"/>: the original part).</param>
    public SyntheticLine(int seed, int width = 640, int height = 480, LineVariant variant = LineVariant.A)
    {
        if (!Enum.IsDefined(variant))
        {
            throw new ArgumentOutOfRangeException(nameof(variant), $"Unknown part variant {variant}.");
        }

        if (width < 64 || height < 48)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A synthetic frame must be at least 64×48 pixels, got {width}×{height}.");
        }

        Seed = seed;
        Variant = variant;
        Width = width;
        Height = height;
        Scale = Math.Min(width / 640.0, height / 480.0);
        var random = new Random(SeedFor(seed, -1, 0));
        _lightPhase = random.NextDouble() * Math.Tau;
        _flickerPhase = random.NextDouble() * Math.Tau;
        _gradientMap = BuildGradient(width, height, (random.NextDouble() * 0.16) - 0.08);
        _beltPeriod = Math.Max(width, (int)Math.Round(1024 * Scale));
        _belt = BuildBelt(random, _beltPeriod, height, Scale);
    }

    public int Seed { get; }

    /// <summary>The part this line carries.</summary>
    public LineVariant Variant { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Frame size relative to the 640×480 design size.</summary>
    public double Scale { get; }

    /// <summary>Renders frame <paramref name="frameIndex"/> (≥ 0): the BGR image, its defects and parts.</summary>
    public RenderedFrame Render(long frameIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        var parts = new List<PartPlacement>();
        var truth = new List<GroundTruth>();

        using var gray = new Mat();
        var offset = (int)((long)Math.Round(frameIndex * BeltSpeed * Scale) % _beltPeriod);
        using (var window = new Mat(_belt, new Rect(_beltPeriod - offset, 0, Width, Height)))
        {
            window.CopyTo(gray);
        }

        using var plates = Variant == LineVariant.A ? null : new Mat(Height, Width, MatType.CV_8UC1, Scalar.All(0));
        foreach (var part in VisibleParts(frameIndex))
        {
            DrawPart(gray, part, parts, truth);
            if (plates is not null)
            {
                Cv2.FillConvexPoly(plates, parts[^1].Corners.Select(c => Sub((c.X, c.Y))), Scalar.All(255), LineTypes.Link8, SubPixelShift);
            }
        }

        Cv2.GaussianBlur(gray, gray, new Size(0, 0), 0.7 * Scale);
        using var light = new Mat();
        gray.ConvertTo(light, MatType.CV_32FC1);
        ApplyLighting(light, frameIndex);
        using (var noise = new Mat(Height, Width, MatType.CV_32FC1))
        {
            var rng = new RNG((ulong)(uint)SeedFor(Seed, frameIndex, 1) | 1UL << 32);
            rng.Fill(noise, DistributionType.Normal, new Scalar(0), new Scalar(2.5));
            Cv2.Add(light, noise, light);
        }

        light.ConvertTo(gray, MatType.CV_8UC1);
        var frame = new Mat();
        Cv2.CvtColor(gray, frame, ColorConversionCodes.GRAY2BGR);
        // A faint warm cast: real lighting is never perfectly grey, and models must not rely on it being so.
        Cv2.Multiply(frame, new Scalar(0.97, 1.0, 1.03), frame);
        if (plates is not null)
        {
            // Anodised blue: the dye tints the plate, not the belt under the same lamp.
            using var tinted = new Mat();
            Cv2.Multiply(frame, VariantBTint, tinted);
            tinted.CopyTo(frame, plates);
        }

        return new RenderedFrame(frameIndex, frame, truth, parts);
    }

    public void Dispose()
    {
        _belt.Dispose();
        _gradientMap.Dispose();
    }

    /// <summary>A stable 32-bit seed for one purpose (salt) of one item (part or frame) of a line.</summary>
    internal static int SeedFor(int seed, long item, int salt)
    {
        var x = unchecked(((ulong)(uint)seed << 32) ^ (ulong)item * 0x9E3779B97F4A7C15UL ^ (ulong)salt * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return (int)(x ^ (x >> 31)) & int.MaxValue;
    }

    private IEnumerable<PartSpec> VisibleParts(long frameIndex)
    {
        // A part needs about (frame width + its diagonal) / speed frames to cross; look back far enough.
        var crossing = (long)Math.Ceiling((Width + (2 * 220 * 1.2 * Scale)) / (BeltSpeed * Scale)) + PartJitterFrames;
        var first = Math.Max(0, (frameIndex - crossing) / PartPeriodFrames);
        for (var id = first; id <= frameIndex / PartPeriodFrames; id++)
        {
            var part = PartSpec.Create(Seed, (int)id, Variant);
            var entry = (id * PartPeriodFrames) + part.EntryJitter;
            if (frameIndex < entry)
            {
                continue;
            }

            var x = -part.HalfExtent * Scale + ((frameIndex - entry) * BeltSpeed * Scale);
            if (x - (part.HalfExtent * Scale) > Width)
            {
                continue;
            }

            yield return part with { CenterX = x, CenterY = (Height / 2.0) + (part.OffsetY * Scale) };
        }
    }

    private void DrawPart(Mat gray, PartSpec part, List<PartPlacement> parts, List<GroundTruth> truth)
    {
        var k = part.Scale * Scale;
        (double X, double Y) ToFrame(double lx, double ly) =>
            (part.CenterX + (k * ((lx * part.Cos) - (ly * part.Sin))), part.CenterY + (k * ((lx * part.Sin) + (ly * part.Cos))));

        var hl = part.Length / 2;
        var hw = part.Width / 2;
        (double X, double Y)[] corners = [ToFrame(-hl, -hw), ToFrame(hl, -hw), ToFrame(hl, hw), ToFrame(-hl, hw)];
        Cv2.FillConvexPoly(gray, corners.Select(Sub), Scalar.All(part.Brightness), LineTypes.AntiAlias, SubPixelShift);

        // Brushed finish: faint streaks along the plate, far below any defect's contrast.
        foreach (var (ly, delta) in part.Streaks)
        {
            var a = ToFrame(-hl + 3, ly);
            var b = ToFrame(hl - 3, ly);
            Cv2.Line(gray, Sub(a), Sub(b), Scalar.All(part.Brightness + delta), 1, LineTypes.AntiAlias, SubPixelShift);
        }

        foreach (var hole in part.Holes)
        {
            Cv2.Circle(gray, Sub(ToFrame(hole.X, hole.Y)), (int)Math.Round(hole.Radius * k * SubPixelScale),
                Scalar.All(part.HoleShade), -1, LineTypes.AntiAlias, SubPixelShift);
        }

        foreach (var defect in part.Defects)
        {
            var (x1, y1, x2, y2) = DrawDefect(gray, part, defect, ToFrame, k);
            if (Visible(x1, y1, x2, y2) is { } visible)
            {
                truth.Add(new GroundTruth(defect.ClassId, DefectClasses.Names[defect.ClassId], visible.Box, part.Id, defect.Faint,
                    (float)defect.Contrast, visible.Truncated));
            }
        }

        var box = new BoundingBox(
            (float)corners.Min(c => c.X), (float)corners.Min(c => c.Y), (float)corners.Max(c => c.X), (float)corners.Max(c => c.Y));
        var fully = box.X1 >= 0 && box.Y1 >= 0 && box.X2 <= Width && box.Y2 <= Height;
        parts.Add(new PartPlacement(part.Id, corners.Select(c => ((float)c.X, (float)c.Y)).ToArray(), box, part.Defects.Count > 0, fully));
    }

    /// <summary>Draws one defect and returns its box in frame pixels (possibly reaching outside the frame).</summary>
    private (double X1, double Y1, double X2, double Y2) DrawDefect(
        Mat gray, PartSpec part, DefectSpec defect, Func<double, double, (double X, double Y)> toFrame, double k)
    {
        var shade = Scalar.All(part.Brightness - defect.Contrast);
        switch (defect.ClassId)
        {
            case DefectClasses.Scratch:
            {
                var a = toFrame(defect.X - (defect.Size / 2 * Math.Cos(defect.Angle)), defect.Y - (defect.Size / 2 * Math.Sin(defect.Angle)));
                var b = toFrame(defect.X + (defect.Size / 2 * Math.Cos(defect.Angle)), defect.Y + (defect.Size / 2 * Math.Sin(defect.Angle)));
                var thickness = Math.Max(1, (int)Math.Round(defect.Thickness * Scale));
                Cv2.Line(gray, Sub(a), Sub(b), shade, thickness, LineTypes.AntiAlias, SubPixelShift);
                var pad = (thickness / 2.0) + 1.5;
                return (Math.Min(a.X, b.X) - pad, Math.Min(a.Y, b.Y) - pad, Math.Max(a.X, b.X) + pad, Math.Max(a.Y, b.Y) + pad);
            }

            case DefectClasses.Crack:
            {
                var thickness = Math.Max(1, (int)Math.Round(defect.Thickness * Scale));
                var lines = defect.Path.Select(line => line.Select(p => toFrame(defect.X + p.X, defect.Y + p.Y)).ToArray()).ToArray();
                Cv2.Polylines(gray, lines.Select(line => line.Select(Sub)), false, shade, thickness, LineTypes.AntiAlias, SubPixelShift);
                var points = lines.SelectMany(line => line).ToArray();
                var pad = (thickness / 2.0) + 1.5;
                return (points.Min(p => p.X) - pad, points.Min(p => p.Y) - pad, points.Max(p => p.X) + pad, points.Max(p => p.Y) + pad);
            }

            case DefectClasses.Dent:
            {
                // Lit from the upper left: the floor is a little darker, the far wall shaded, the near rim catches the light.
                // The lamp is fixed above the belt, so the shading does not turn with the part.
                var c = toFrame(defect.X, defect.Y);
                var r = defect.Size * k;
                var rim = Math.Max(1, (int)Math.Round(r / 3));
                Cv2.Circle(gray, Sub(c), (int)Math.Round(r * SubPixelScale), Scalar.All(part.Brightness - (0.3 * defect.Contrast)), -1,
                    LineTypes.AntiAlias, SubPixelShift);
                var axes = new Size((int)Math.Round((r - (rim / 2.0)) * SubPixelScale), (int)Math.Round((r - (rim / 2.0)) * SubPixelScale));
                Cv2.Ellipse(gray, Sub(c), axes, 0, -45, 135, shade, rim, LineTypes.AntiAlias, SubPixelShift);
                Cv2.Ellipse(gray, Sub(c), axes, 0, 150, 300, Scalar.All(Math.Min(250, part.Brightness + (0.6 * defect.Contrast))), rim,
                    LineTypes.AntiAlias, SubPixelShift);
                return (c.X - r - 1.5, c.Y - r - 1.5, c.X + r + 1.5, c.Y + r + 1.5);
            }

            default:
            {
                var c = toFrame(defect.X, defect.Y);
                var r = defect.Size * k;
                Cv2.Circle(gray, Sub(c), (int)Math.Round(r * SubPixelScale), shade, -1, LineTypes.AntiAlias, SubPixelShift);
                return (c.X - r - 1.5, c.Y - r - 1.5, c.X + r + 1.5, c.Y + r + 1.5);
            }
        }
    }

    /// <summary>
    /// The labelled box of a defect: clipped to the frame. A defect cut by the frame edge is labelled (and marked
    /// truncated) when at least <see cref="MinVisibleShare"/> of its box and <see cref="MinVisiblePixels"/> per axis
    /// are in the frame; a smaller sliver is left unlabelled, as annotators do, because nobody can tell its class.
    /// </summary>
    private (BoundingBox Box, bool Truncated)? Visible(double x1, double y1, double x2, double y2)
    {
        var (cx1, cy1, cx2, cy2) = (Math.Max(0, x1), Math.Max(0, y1), Math.Min(Width, x2), Math.Min(Height, y2));
        var truncated = cx1 != x1 || cy1 != y1 || cx2 != x2 || cy2 != y2;
        if (truncated)
        {
            var min = MinVisiblePixels * Scale;
            var share = Math.Max(0, cx2 - cx1) * Math.Max(0, cy2 - cy1) / ((x2 - x1) * (y2 - y1));
            if (cx2 - cx1 < min || cy2 - cy1 < min || share < MinVisibleShare)
            {
                return null;
            }
        }

        return (new BoundingBox((float)cx1, (float)cy1, (float)cx2, (float)cy2), truncated);
    }

    private void ApplyLighting(Mat light, long frameIndex)
    {
        // Slow drift (lamps warming, daylight) plus a little mains flicker, over a fixed left-right gradient.
        var gain = 1 + (0.10 * Math.Sin((Math.Tau * frameIndex / 300) + _lightPhase)) + (0.03 * Math.Sin((Math.Tau * frameIndex / 47) + _flickerPhase));
        Cv2.Multiply(light, _gradientMap, light, gain);
    }

    private static Point Sub((double X, double Y) p) =>
        new((int)Math.Round(p.X * SubPixelScale), (int)Math.Round(p.Y * SubPixelScale));

    private static Mat BuildGradient(int width, int height, double gradient) =>
        FloatMat(height, width, (_, x) => (float)(1 + (gradient * ((2.0 * x / width) - 1))));

    private static Mat BuildBelt(Random random, int period, int height, double scale)
    {
        // Rubber: dark, with soft mottling, fine grain and a lighter splice every quarter period. Built
        // with wrap-around borders so the texture repeats seamlessly as the belt scrolls.
        var margin = (int)Math.Ceiling(40 * scale);
        using var coarse = FloatMat(height, period, (_, _) => (float)((random.NextDouble() * 2) - 1) * 40);
        var splice = Math.Max(2, (int)Math.Round(5 * scale));
        using var fine = FloatMat(height, period, (_, x) =>
            (float)(40 + ((random.NextDouble() * 2) - 1) * 3 + (x % (period / 4) < splice ? 4 : 0)));
        using var padded = new Mat();
        Cv2.CopyMakeBorder(coarse, padded, margin, margin, margin, margin, BorderTypes.Wrap);
        Cv2.GaussianBlur(padded, padded, new Size(0, 0), 10 * scale);
        using var mottled = new Mat(padded, new Rect(margin, margin, period, height));
        using var belt = new Mat();
        Cv2.Add(fine, mottled, belt);
        using var belt8 = new Mat();
        belt.ConvertTo(belt8, MatType.CV_8UC1);
        var twice = new Mat();
        Cv2.HConcat([belt8, belt8], twice);
        return twice;
    }

    private static Mat FloatMat(int rows, int cols, Func<int, int, float> value)
    {
        var data = new float[rows * cols];
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < cols; x++)
            {
                data[(y * cols) + x] = value(y, x);
            }
        }

        var mat = new Mat(rows, cols, MatType.CV_32FC1);
        mat.SetArray(data);
        return mat;
    }
}
