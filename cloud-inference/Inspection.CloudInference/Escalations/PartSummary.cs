namespace Inspection.CloudInference.Escalations;

/// <summary>Totals over the parts the cloud has stored (<c>GET /api/summary/parts</c>); each part counts once in <c>/api/summary</c> too.</summary>
/// <param name="Stored">Parts stored, one per part key.</param>
/// <param name="Pass">Parts the cloud passed (every judged frame passed).</param>
/// <param name="Defect">Parts the cloud rejected (a defect in at least one frame).</param>
/// <param name="Uncertain">Parts left to a person: one review item each.</param>
/// <param name="Frames">Escalated frames the stored parts carried.</param>
/// <param name="FramesRefused">Of those, frames the cloud could not judge (e.g. undecodable); their part was decided on the rest.</param>
public sealed record PartSummary(long Stored, long Pass, long Defect, long Uncertain, long Frames, long FramesRefused);
