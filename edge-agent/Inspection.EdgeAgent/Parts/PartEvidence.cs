using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.EdgeAgent.Storage;

namespace Inspection.EdgeAgent.Parts;

/// <summary>
/// The frames of one part that count towards its decision: the decision so far by the part rule, how many frames
/// counted and were uncertain, and the most informative uncertain frames (highest deciding score first, the earlier
/// frame among equals), at most K of them.
/// </summary>
internal sealed class PartEvidence
{
    public Decision Decision { get; private set; } = Decision.Pass;

    public int Frames { get; private set; }

    public int Uncertain { get; private set; }

    /// <summary>The most informative uncertain frames, most informative first.</summary>
    public List<PartFrameEntry> Top { get; } = [];

    /// <summary>
    /// For a part picked for an audit: its most telling frames whatever their decision (highest deciding score first,
    /// the earlier among equals), what the audit sends when the part is decided confidently.
    /// </summary>
    public List<PartFrameEntry> Telling { get; } = [];

    /// <summary>Counts a frame's decision for the part.</summary>
    public void Count(Decision frame)
    {
        Frames++;
        if (frame == Decision.Uncertain)
        {
            Uncertain++;
        }

        Decision = PartVerdict.Combine(Decision, frame);
    }

    /// <summary>Whether an uncertain frame with <paramref name="score"/> would be among the top <paramref name="k"/> (frames arrive in order, so it loses ties).</summary>
    public bool WouldKeep(float score, int k) => Top.Count < k || score > Top[^1].Score;

    /// <summary>Keeps <paramref name="frame"/> among the top <paramref name="k"/>; call only when <see cref="WouldKeep"/> said so.</summary>
    public void Keep(PartFrameEntry frame, int k) => Insert(Top, frame, k);

    /// <summary>Whether a frame with <paramref name="score"/> would be among the <paramref name="k"/> most telling of any decision.</summary>
    public bool WouldKeepTelling(float score, int k) => Telling.Count < k || score > Telling[^1].Score;

    /// <summary>Keeps <paramref name="frame"/> among the <paramref name="k"/> most telling; call only when <see cref="WouldKeepTelling"/> said so.</summary>
    public void KeepTelling(PartFrameEntry frame, int k) => Insert(Telling, frame, k);

    private static void Insert(List<PartFrameEntry> frames, PartFrameEntry frame, int k)
    {
        var index = frames.Count;
        while (index > 0 && frame.Score > frames[index - 1].Score)
        {
            index--;
        }

        frames.Insert(index, frame);
        if (frames.Count > k)
        {
            frames.RemoveAt(frames.Count - 1);
        }
    }
}
