namespace Inspection.ModelTools.Review;

/// <summary>What the reviewer answers on one item and what a person would have had to do for it.</summary>
/// <param name="Action"><c>accept</c>, <c>fix</c> or <c>reject</c>.</param>
/// <param name="Frames">For a fix: the true boxes per judged frame (sequence → boxes); empty otherwise.</param>
/// <param name="Keys">Keys a person presses in the workspace (<c>a</c>, <c>r</c>, <c>f</c>, <c>Enter</c>, <c>]</c>, <c>Delete</c>, a class key).</param>
/// <param name="Drags">Mouse drags and clicks (draw a box, move or resize one onto the truth, select one to delete).</param>
/// <param name="FramesShown">Frames a person looks at: the first, and each one switched to for a fix.</param>
public sealed record ReviewAnswer(string Action, IReadOnlyDictionary<long, IReadOnlyList<ReviewApiBox>> Frames, int Keys, int Drags, int FramesShown)
{
    /// <summary>Keys and mouse actions together: what a person "types" for the item.</summary>
    public int Keystrokes => Keys + Drags;
}
