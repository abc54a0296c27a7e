using Inspection.Detection;

namespace Inspection.ModelTools.Line;

/// <summary>One defect visible in a rendered frame.</summary>
/// <param name="ClassId">Index into <see cref="DefectClasses.Names"/>.</param>
/// <param name="ClassName">The class name.</param>
/// <param name="Box">Where, in frame pixels, clipped to the frame.</param>
/// <param name="PartId">The part carrying the defect (see <see cref="PartPlacement.PartId"/>).</param>
/// <param name="Faint">True for a deliberately low-contrast defect, the kind a small model may be unsure of.</param>
/// <param name="Contrast">How much darker than the plate the defect is drawn, in grey levels (0–255) before lighting.</param>
/// <param name="Truncated">True when the frame edge cuts the defect and <paramref name="Box"/> is its visible part.</param>
public sealed record GroundTruth(int ClassId, string ClassName, BoundingBox Box, int PartId, bool Faint, float Contrast, bool Truncated = false);
