using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// What the edge's own decisions do to whole frames with one band — what mAP cannot show, because a frame the edge
/// passes keeps its detections in the cascade's prediction set. A frame is defective when it has a labelled defect.
/// </summary>
/// <param name="DefectiveFrames">Frames with at least one labelled defect.</param>
/// <param name="DefectivePassed">Defective frames the edge passes: the cloud never sees them (escapes).</param>
/// <param name="CleanFrames">Frames without a labelled defect.</param>
/// <param name="CleanRejected">Clean frames the edge rejects by itself: good parts lost without the cloud's view.</param>
public sealed record FrameVerdicts(int DefectiveFrames, int DefectivePassed, int CleanFrames, int CleanRejected)
{
    /// <summary>Counts the edge's decisions with <paramref name="band"/> against the labels.</summary>
    public static FrameVerdicts Count(IReadOnlyList<CascadeFrame> frames, DecisionBand band)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var (defective, passed, clean, rejected) = (0, 0, 0, 0);
        foreach (var frame in frames)
        {
            var decision = band.Decide(frame.Edge);
            if (frame.Truth.Count > 0)
            {
                defective++;
                passed += decision == Decision.Pass ? 1 : 0;
            }
            else
            {
                clean++;
                rejected += decision == Decision.Defect ? 1 : 0;
            }
        }

        return new FrameVerdicts(defective, passed, clean, rejected);
    }
}
