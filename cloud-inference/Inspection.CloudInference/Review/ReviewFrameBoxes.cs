namespace Inspection.CloudInference.Review;

/// <summary>The reviewer's boxes for one frame of a fix.</summary>
/// <param name="Sequence">The frame's sequence.</param>
/// <param name="Boxes">Its boxes; empty: no defect in this frame.</param>
public sealed record ReviewFrameBoxes(long Sequence, IReadOnlyList<ReviewBox>? Boxes);
