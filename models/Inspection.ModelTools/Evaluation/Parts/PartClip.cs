using Inspection.Detection;
using Inspection.Detection.Parts;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// Consecutive frames of one line, reduced to the tracked parts with the edge's score per view, the line's true
/// parts, and the cloud model's detections on demand. The cloud runs on a frame only the first time a sweep
/// escalates it and is cached after, so sweeping bands, K and the whole-view rule costs no further inference.
/// </summary>
public sealed class PartClip
{
    private readonly Func<int, IReadOnlyList<Inspection.Detection.Detection>> _cloud;
    private readonly Dictionary<int, IReadOnlyList<Inspection.Detection.Detection>> _cloudCache = [];
    private readonly PartView[][] _rankedAll;
    private readonly PartView[][] _rankedWhole;

    /// <param name="lineSeed">The line the frames came from.</param>
    /// <param name="frameCount">Frames in the clip.</param>
    /// <param name="trackedParts">The tracker's parts.</param>
    /// <param name="trueParts">The line's parts seen in the clip.</param>
    /// <param name="cloud">The cloud model's detections in a frame of the clip (called at most once per frame).</param>
    /// <param name="detectionMargin">Pixels a detection's centre may lie outside a part's box and still count for it (<c>Parts:DetectionMargin</c>).</param>
    public PartClip(
        int lineSeed, int frameCount, IReadOnlyList<TrackedPart> trackedParts, IReadOnlyList<TruePart> trueParts,
        Func<int, IReadOnlyList<Inspection.Detection.Detection>> cloud, float detectionMargin)
    {
        ArgumentNullException.ThrowIfNull(trackedParts);
        ArgumentNullException.ThrowIfNull(trueParts);
        ArgumentNullException.ThrowIfNull(cloud);
        LineSeed = lineSeed;
        FrameCount = frameCount;
        TrackedParts = trackedParts;
        TrueParts = trueParts;
        DetectionMargin = detectionMargin;
        _cloud = cloud;
        _rankedAll = [.. trackedParts.Select(p => Rank(p.Views))];
        _rankedWhole = [.. trackedParts.Select(p => p.Views.Any(v => v.WholeInView) ? Rank(p.Views.Where(v => v.WholeInView)) : Rank(p.Views))];
    }

    public int LineSeed { get; }

    public int FrameCount { get; }

    public IReadOnlyList<TrackedPart> TrackedParts { get; }

    public IReadOnlyList<TruePart> TrueParts { get; }

    public float DetectionMargin { get; }

    /// <summary>Frames the cloud model has run on so far.</summary>
    public int CloudRuns => _cloudCache.Count;

    /// <summary>Time spent getting the cloud's detections (rendering the frame and running the model), in milliseconds.</summary>
    public double CloudMilliseconds { get; private set; }

    /// <summary>
    /// Runs the cloud on every frame any setting with at most <paramref name="maxFrames"/> frames per part could send:
    /// each part's best views (whole-view rule on and off), clean parts without a detection included (the cloud's band
    /// is chosen on every part), so the clip can be saved and scored later without the line or the model.
    /// </summary>
    public void Prefetch(int maxFrames)
    {
        for (var t = 0; t < TrackedParts.Count; t++)
        {
            foreach (var ranked in new[] { _rankedAll[t], _rankedWhole[t] })
            {
                // Every part's best views, clean ones without a detection included: the cloud's band is chosen on them all.
                foreach (var view in ranked.Take(maxFrames))
                {
                    CloudScore(view.Frame, view.Box);
                }
            }
        }
    }

    /// <summary>What <c>evaluate-map</c> saves: the clip without the line, with the cloud's detections of every frame it ran on.</summary>
    public SavedPartClip ToSaved() =>
        new(LineSeed, FrameCount, DetectionMargin, TrackedParts, TrueParts, _cloudCache.OrderBy(kv => kv.Key).Select(kv => new SavedCloudFrame(kv.Key, kv.Value)).ToList());

    /// <summary>A clip read back from <see cref="ToSaved"/>: asking the cloud about a frame it never ran on fails.</summary>
    public static PartClip FromSaved(SavedPartClip saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var frames = saved.CloudFrames.ToDictionary(f => f.Frame, f => f.Detections);
        return new PartClip(saved.LineSeed, saved.FrameCount, saved.TrackedParts, saved.TrueParts, frame =>
            frames.TryGetValue(frame, out var detections)
                ? detections
                : throw new InvalidOperationException($"The saved clip of line {saved.LineSeed} has no cloud detections for frame {frame}; save it after a prefetch with a larger K or a lower edge as low as the band scored."),
            saved.DetectionMargin);
    }

    /// <summary>
    /// The views of tracked part <paramref name="index"/> that count for its verdict (only the whole views when
    /// <paramref name="wholeViewsOnly"/> and it has any), most informative first: highest edge score, ties to the earlier frame.
    /// </summary>
    public IReadOnlyList<PartView> RankedViews(int index, bool wholeViewsOnly) => wholeViewsOnly ? _rankedWhole[index] : _rankedAll[index];

    /// <summary>The cloud's deciding score in <paramref name="frame"/> over its detections on the part in <paramref name="partBox"/>.</summary>
    public float CloudScore(int frame, BoundingBox partBox)
    {
        if (!_cloudCache.TryGetValue(frame, out var detections))
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            detections = _cloud(frame);
            CloudMilliseconds += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            _cloudCache.Add(frame, detections);
        }

        var best = 0f;
        foreach (var detection in detections)
        {
            if (PartSighting.Holds(partBox, detection, DetectionMargin))
            {
                best = Math.Max(best, detection.Confidence);
            }
        }

        return best;
    }

    private static PartView[] Rank(IEnumerable<PartView> views) =>
        [.. views.OrderByDescending(v => v.EdgeScore).ThenBy(v => v.Frame)];
}
