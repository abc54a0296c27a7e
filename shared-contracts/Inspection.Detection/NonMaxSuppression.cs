using OpenCvSharp;
using OpenCvSharp.Internal;

namespace Inspection.Detection;

/// <summary>
/// Non-maximum suppression with OpenCV's <c>NMSBoxes</c>: a box suppresses weaker boxes of the same class that
/// overlap it by more than the IoU threshold; boxes of different classes never suppress each other, unless
/// <see cref="ClassAgnostic"/> is set, when a box suppresses overlapping weaker boxes of any class. Keeps at most
/// <see cref="MaxDetections"/>, strongest first.
/// </summary>
public sealed class NonMaxSuppression
{
    // Shifting each class to its own region of the plane makes one class-agnostic NMSBoxes call class-aware
    // (OpenCvSharp has no NMSBoxesBatched). The shift must exceed any coordinate a network input can have.
    private const double ClassOffset = 1 << 20;

    private static readonly Comparison<DetectionCandidate> ByScoreDescending = static (a, b) => b.Score.CompareTo(a.Score);

    public NonMaxSuppression(float iouThreshold, int maxDetections, bool classAgnostic = false)
    {
        ClassAgnostic = classAgnostic;
        ArgumentOutOfRangeException.ThrowIfLessThan(iouThreshold, 0f);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iouThreshold, 1f);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDetections);
        IouThreshold = iouThreshold;
        MaxDetections = maxDetections;
    }

    public float IouThreshold { get; }

    public int MaxDetections { get; }

    /// <summary>Whether boxes of different classes suppress each other (one defect, one box, whatever its class).</summary>
    public bool ClassAgnostic { get; }

    /// <summary>Replaces the contents of <paramref name="kept"/> with the survivors of <paramref name="candidates"/>.</summary>
    public unsafe void Apply(List<DetectionCandidate> candidates, List<DetectionCandidate> kept)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(kept);
        kept.Clear();
        var count = candidates.Count;
        if (count == 0)
        {
            return;
        }

        // CvDnn.NMSBoxes copies its IEnumerable arguments into managed arrays (about 37 bytes per candidate,
        // every frame). Filling OpenCV's own vectors in place calls the same native NMSBoxes with nothing
        // for the GC to collect; the vectors are native memory, freed below.
        var boxes = NativeMethods.vector_Rect2d_new2((nuint)count);
        var scores = NativeMethods.vector_float_new2((nuint)count);
        var indices = NativeMethods.vector_int32_new1();
        try
        {
            var boxSpan = new Span<Rect2d>((void*)NativeMethods.vector_Rect2d_getPointer(boxes), count);
            var scoreSpan = new Span<float>((void*)NativeMethods.vector_float_getPointer(scores), count);
            // Class-aware: each class's boxes are shifted to their own region, so only same-class boxes overlap.
            var classOffset = ClassAgnostic ? 0 : ClassOffset;
            for (var i = 0; i < count; i++)
            {
                var c = candidates[i];
                var shift = c.ClassId * classOffset;
                boxSpan[i] = new Rect2d(c.X1 + shift, c.Y1 + shift, Math.Max(0, c.X2 - c.X1), Math.Max(0, c.Y2 - c.Y1));
                scoreSpan[i] = c.Score;
            }

            // Scores were thresholded while decoding; 0 (OpenCV keeps scores above it and rejects a negative
            // threshold) lets every candidate with a real score take part.
            NativeMethods.HandleException(
                NativeMethods.dnn_NMSBoxes_Rect2d(boxes, scores, 0f, IouThreshold, indices, 1f, 0));

            // NMSBoxes returns survivors strongest first.
            var survivors = new ReadOnlySpan<int>(
                (void*)NativeMethods.vector_int32_getPointer(indices), (int)NativeMethods.vector_int32_getSize(indices));
            var keep = Math.Min(survivors.Length, MaxDetections);
            for (var i = 0; i < keep; i++)
            {
                kept.Add(candidates[survivors[i]]);
            }
        }
        finally
        {
            NativeMethods.vector_int32_delete(indices);
            NativeMethods.vector_float_delete(scores);
            NativeMethods.vector_Rect2d_delete(boxes);
        }
    }

    /// <summary>
    /// The same survivors as <see cref="Apply"/>, in the same order, without OpenCV: NMSBoxes' algorithm (a stable sort by
    /// score, then greedy suppression above the IoU threshold) in managed code. For a device whose OpenCV native library
    /// is missing (the self-test proves the model before the camera stack); it allocates per call, so the frame path
    /// keeps <see cref="Apply"/>.
    /// </summary>
    public void ApplyManaged(List<DetectionCandidate> candidates, List<DetectionCandidate> kept)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(kept);
        kept.Clear();

        // NMSBoxes keeps scores above its threshold of 0; OrderByDescending is stable, as NMSBoxes' sort.
        var order = Enumerable.Range(0, candidates.Count)
            .Where(i => candidates[i].Score > 0f)
            .OrderByDescending(i => candidates[i].Score);
        var classOffset = ClassAgnostic ? 0 : ClassOffset;
        var survivors = new List<Rect>();
        foreach (var i in order)
        {
            if (kept.Count == MaxDetections)
            {
                break;
            }

            var c = candidates[i];
            var shift = c.ClassId * classOffset;
            var box = new Rect(c.X1 + shift, c.Y1 + shift, Math.Max(0, c.X2 - c.X1), Math.Max(0, c.Y2 - c.Y1));
            if (survivors.TrueForAll(k => Overlap(box, k) <= IouThreshold))
            {
                survivors.Add(box);
                kept.Add(c);
            }
        }
    }

    // OpenCV's rectOverlap for Rect2d: 1 - the Jaccard distance, in float.
    private static float Overlap(Rect a, Rect b)
    {
        var areaA = a.Width * a.Height;
        var areaB = b.Width * b.Height;
        if (areaA + areaB <= double.Epsilon)
        {
            return 1f;
        }

        var width = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X);
        var height = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y);
        var intersection = width <= 0 || height <= 0 ? 0 : width * height;
        return 1f - (float)(1 - (intersection / (areaA + areaB - intersection)));
    }

    private readonly record struct Rect(double X, double Y, double Width, double Height);

    /// <summary>
    /// For end-to-end outputs, whose NMS ran inside the model: keeps the strongest <see cref="MaxDetections"/>.
    /// </summary>
    public void KeepStrongest(List<DetectionCandidate> candidates, List<DetectionCandidate> kept)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(kept);
        kept.Clear();
        kept.AddRange(candidates);
        kept.Sort(ByScoreDescending);
        if (kept.Count > MaxDetections)
        {
            kept.RemoveRange(MaxDetections, kept.Count - MaxDetections);
        }
    }
}
