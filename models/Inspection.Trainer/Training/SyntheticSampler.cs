using Inspection.Detection;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using OpenCvSharp;

namespace Inspection.Trainer.Training;

/// <summary>
/// Draws frames from synthetic lines and letterboxes them exactly as the detector does at run time
/// (<see cref="Letterbox"/>, 640×480 → size × size, grey 114 padding). Training and validation use disjoint
/// line seeds (see <see cref="TrainSeeds"/> and <see cref="ValidationSeeds"/>), so no validation frame, belt
/// texture or part was ever trained on. The draw order is a pure function of the sampler's seed.
/// </summary>
public sealed class SyntheticSampler : IDisposable
{
    /// <summary>Frames drawn from each line lie in [0, this).</summary>
    public const int FramesPerLine = 6000;

    private const int FrameWidth = 640;
    private const int FrameHeight = 480;

    private readonly Dictionary<int, SyntheticLine> _lines = [];
    private readonly IReadOnlyList<int> _seeds;
    private readonly Random _random;
    private readonly Letterbox _letterbox;
    private readonly Mat _resizeBuffer = new();

    public SyntheticSampler(IReadOnlyList<int> lineSeeds, int samplerSeed, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(lineSeeds);
        if (lineSeeds.Count == 0)
        {
            throw new ArgumentException("The sampler needs at least one line seed.", nameof(lineSeeds));
        }

        _seeds = lineSeeds;
        _random = new Random(samplerSeed);
        ImageSize = imageSize;
        _letterbox = Letterbox.Compute(FrameWidth, FrameHeight, imageSize, imageSize);
    }

    public int ImageSize { get; }

    /// <summary>The letterbox geometry from a 640×480 frame to the network input.</summary>
    public Letterbox Geometry => _letterbox;

    /// <summary>Line seeds used for training runs with <paramref name="seed"/>: 64 lines.</summary>
    public static IReadOnlyList<int> TrainSeeds(int seed) => SeedUse.TrainingLinesFor(seed);

    /// <summary>Line seeds held out for validation with <paramref name="seed"/>: 8 lines, disjoint from <see cref="TrainSeeds"/>.</summary>
    public static IReadOnlyList<int> ValidationSeeds(int seed) => SeedUse.ValidationLinesFor(seed);

    /// <summary>The next random frame, letterboxed.</summary>
    public LabeledImage Next()
    {
        var seed = _seeds[_random.Next(_seeds.Count)];
        var frameIndex = _random.Next(FramesPerLine);
        return Load(seed, frameIndex);
    }

    /// <summary>
    /// The next random frame, letterboxed to <see cref="ImageSize"/>, then a random <paramref name="crop"/>-pixel
    /// square of it: a fully convolutional detector trained on crops at the full input's scale runs on the whole
    /// input unchanged, at a fraction of the training cost. Two crops in three are placed over a random defect so
    /// the rarer positives are not diluted by belt-only crops. Boxes the crop cuts are kept clipped when at least
    /// 40 % of the box and 4 px per axis remain, the line's own rule for defects cut by the frame edge.
    /// </summary>
    public LabeledImage NextCrop(int crop)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(crop, ImageSize);
        return Crop(Next(), crop, ImageSize, _letterbox, _random);
    }

    /// <summary>
    /// A random <paramref name="crop"/>-pixel square of <paramref name="full"/> (letterboxed to <paramref name="imageSize"/>
    /// by <paramref name="letterbox"/>), placed as <see cref="NextCrop"/> places it, drawing from <paramref name="random"/>.
    /// </summary>
    public static LabeledImage Crop(LabeledImage full, int crop, int imageSize, Letterbox letterbox, Random random)
    {
        ArgumentNullException.ThrowIfNull(full);
        ArgumentNullException.ThrowIfNull(random);
        if (crop == imageSize)
        {
            return full;
        }

        // Keep the crop inside the letterboxed image, not the grey padding, where possible.
        var (top, bottom) = (letterbox.PadTop, letterbox.PadTop + letterbox.ResizedHeight);
        var yMin = bottom - top >= crop ? top : Math.Max(0, ((top + bottom) / 2) - (crop / 2));
        var yMax = bottom - top >= crop ? bottom - crop : yMin;
        int x0, y0;
        if (full.Boxes.Count > 0 && random.Next(3) != 0)
        {
            var box = full.Boxes[random.Next(full.Boxes.Count)];
            var (cx, cy) = ((box.X1 + box.X2) / 2, (box.Y1 + box.Y2) / 2);
            x0 = Math.Clamp((int)(cx - (crop * (0.15 + (0.7 * random.NextDouble())))), 0, imageSize - crop);
            y0 = Math.Clamp((int)(cy - (crop * (0.15 + (0.7 * random.NextDouble())))), yMin, yMax);
        }
        else
        {
            x0 = random.Next(imageSize - crop + 1);
            y0 = yMin + random.Next(yMax - yMin + 1);
        }

        var pixels = new float[3 * crop * crop];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < crop; y++)
            {
                Array.Copy(full.Pixels, (c * imageSize * imageSize) + ((y0 + y) * imageSize) + x0, pixels, (c * crop * crop) + (y * crop), crop);
            }
        }

        var boxes = new List<BoundingBox>();
        var classes = new List<int>();
        for (var i = 0; i < full.Boxes.Count; i++)
        {
            var b = full.Boxes[i];
            var clipped = new BoundingBox(
                Math.Max(0, b.X1 - x0), Math.Max(0, b.Y1 - y0), Math.Min(crop, b.X2 - x0), Math.Min(crop, b.Y2 - y0));
            var (w, h) = (clipped.X2 - clipped.X1, clipped.Y2 - clipped.Y1);
            if (w >= 4 && h >= 4 && w * h >= 0.4 * (b.X2 - b.X1) * (b.Y2 - b.Y1))
            {
                boxes.Add(clipped);
                classes.Add(full.ClassIds[i]);
            }
        }

        return new LabeledImage(pixels, boxes, classes, full.Seed, full.FrameIndex);
    }

    /// <summary>A specific frame, letterboxed.</summary>
    public LabeledImage Load(int seed, long frameIndex)
    {
        using var rendered = Line(seed).Render(frameIndex);
        var pixels = new float[_letterbox.TensorLength];
        _letterbox.FillPadding(pixels);
        _letterbox.FillImage(rendered.Frame, _resizeBuffer, pixels);
        var boxes = new List<BoundingBox>(rendered.Truth.Count);
        var classes = new List<int>(rendered.Truth.Count);
        foreach (var truth in rendered.Truth)
        {
            var (x1, y1) = _letterbox.ToTarget(truth.Box.X1, truth.Box.Y1);
            var (x2, y2) = _letterbox.ToTarget(truth.Box.X2, truth.Box.Y2);
            boxes.Add(new BoundingBox(x1, y1, x2, y2));
            classes.Add(truth.ClassId);
        }

        return new LabeledImage(pixels, boxes, classes, seed, frameIndex);
    }

    /// <summary>The rendered frame itself (BGR, frame pixels) with its ground truth; the caller disposes it.</summary>
    public RenderedFrame Render(int seed, long frameIndex) => Line(seed).Render(frameIndex);

    public void Dispose()
    {
        foreach (var line in _lines.Values)
        {
            line.Dispose();
        }

        _lines.Clear();
        _resizeBuffer.Dispose();
    }

    private SyntheticLine Line(int seed)
    {
        if (!_lines.TryGetValue(seed, out var line))
        {
            line = new SyntheticLine(seed, FrameWidth, FrameHeight);
            _lines.Add(seed, line);
        }

        return line;
    }
}
