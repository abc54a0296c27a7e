namespace Inspection.ModelTools.Review;

/// <summary>One frame of a rendered line: its true defect boxes and the parts in view.</summary>
/// <param name="Index">The frame's index in the video (0 first).</param>
/// <param name="Defects">Every true defect box in the frame.</param>
/// <param name="Parts">The boxes of the parts in view.</param>
public sealed record TruthFrame(int Index, IReadOnlyList<TruthBox> Defects, IReadOnlyList<TruthBox> Parts);
