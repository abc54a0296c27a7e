using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>One frame of a tracked part, reduced to what the part rules read.</summary>
/// <param name="Frame">Index of the frame in the clip.</param>
/// <param name="EdgeScore">The edge's deciding score over the detections on the part in this frame (<c>PartVerdict.DecidingScore</c>).</param>
/// <param name="Box">The part's box in this frame, as the edge sends it to the cloud.</param>
/// <param name="WholeInView">Whether the whole part was in view.</param>
public readonly record struct PartView(int Frame, float EdgeScore, BoundingBox Box, bool WholeInView);
