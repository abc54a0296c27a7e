namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>A part as the tracker followed it: one tracker id and its views in frame order.</summary>
/// <param name="Id">The tracker's id.</param>
/// <param name="TruePartId">The line's part most of its sightings fall on; null when most fall on bare belt.</param>
/// <param name="Views">Every frame the tracker saw it in, in frame order.</param>
public sealed record TrackedPart(long Id, int? TruePartId, IReadOnlyList<PartView> Views);
