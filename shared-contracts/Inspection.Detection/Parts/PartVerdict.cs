namespace Inspection.Detection.Parts;

/// <summary>
/// The rule a part's decision follows from its frames' decisions, the same on the edge, in the cloud and in the
/// evaluator: a defect seen in any frame rejects the part; the part passes only when every frame passed; otherwise
/// it is uncertain. Frames are ranked for escalation by <see cref="DecidingScore"/>: the higher, the more the frame
/// shows of what made the part doubtful.
/// </summary>
public static class PartVerdict
{
    /// <summary>The part's decision after one more frame: <paramref name="part"/> is what its earlier frames gave (<see cref="Decision.Pass"/> before the first).</summary>
    public static Decision Combine(Decision part, Decision frame) =>
        part == Decision.Defect || frame == Decision.Defect ? Decision.Defect
        : part == Decision.Uncertain || frame == Decision.Uncertain ? Decision.Uncertain
        : Decision.Pass;

    /// <summary>The decision of a part seen in <paramref name="frames"/> (a part seen in none passes).</summary>
    public static Decision Of(IEnumerable<Decision> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var part = Decision.Pass;
        foreach (var frame in frames)
        {
            part = Combine(part, frame);
        }

        return part;
    }

    /// <summary>The score <see cref="DecisionBand.Decide"/> decides a frame by: its best detection's confidence (0 without any).</summary>
    public static float DecidingScore(IReadOnlyList<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        var best = 0f;
        foreach (var detection in detections)
        {
            best = Math.Max(best, detection.Confidence);
        }

        return best;
    }
}
