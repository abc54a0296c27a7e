using Inspection.Detection;
using Inspection.ModelTools.Line;
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
    public static IReadOnlyList<int> TrainSeeds(int seed) => [.. Enumerable.Range(0, 64).Select(i => (seed * 1000) + i)];

    /// <summary>Line seeds held out for validation with <paramref name="seed"/>: 8 lines, disjoint from <see cref="TrainSeeds"/>.</summary>
    public static IReadOnlyList<int> ValidationSeeds(int seed) => [.. Enumerable.Range(500, 8).Select(i => (seed * 1000) + i)];

    /// <summary>The next random frame, letterboxed.</summary>
    public LabeledImage Next()
    {
        var seed = _seeds[_random.Next(_seeds.Count)];
        var frameIndex = _random.Next(FramesPerLine);
        return Load(seed, frameIndex);
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
