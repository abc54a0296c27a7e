using OpenCvSharp;

namespace Inspection.ModelTools.Line;

/// <summary>A frame of the synthetic line and what is on it. Owns <see cref="Frame"/>: dispose it.</summary>
public sealed class RenderedFrame(long frameIndex, Mat frame, IReadOnlyList<GroundTruth> truth, IReadOnlyList<PartPlacement> parts)
    : IDisposable
{
    public long FrameIndex { get; } = frameIndex;

    /// <summary>The camera image, 8-bit BGR.</summary>
    public Mat Frame { get; } = frame;

    /// <summary>Every defect wholly inside the frame, with its box.</summary>
    public IReadOnlyList<GroundTruth> Truth { get; } = truth;

    /// <summary>Every part at least partly inside the frame.</summary>
    public IReadOnlyList<PartPlacement> Parts { get; } = parts;

    public void Deconstruct(out Mat frame, out IReadOnlyList<GroundTruth> truth)
    {
        frame = Frame;
        truth = Truth;
    }

    public void Dispose() => Frame.Dispose();
}
