namespace Inspection.EdgeAgent.Parts;

/// <summary>A tracked part as seen in one frame, in the frame's pixel coordinates.</summary>
/// <param name="PartId">The tracker's id for the part: the same from the frame it enters to the frame it leaves.</param>
/// <param name="CenterX">Centre of the visible silhouette, x.</param>
/// <param name="CenterY">Centre of the visible silhouette, y.</param>
/// <param name="Area">Visible silhouette area in frame pixels (holes in the part not counted).</param>
public readonly record struct PartSighting(long PartId, float CenterX, float CenterY, float Area);
