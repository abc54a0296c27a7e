namespace Inspection.OperatorCli.Fleet;

/// <summary>
/// The cloud's totals over stored parts, as <c>GET /api/summary/parts</c> answers them (clouds that predate parts
/// do not serve it; the fleet table then prints no parts line).
/// </summary>
/// <param name="Stored">Parts stored, one per part key.</param>
/// <param name="Pass">Parts the cloud passed.</param>
/// <param name="Defect">Parts the cloud rejected.</param>
/// <param name="Uncertain">Parts left to a person: one review item each.</param>
/// <param name="Frames">Escalated frames the stored parts carried.</param>
/// <param name="FramesRefused">Of those, frames the cloud could not judge.</param>
public sealed record PartTotals(long Stored, long Pass, long Defect, long Uncertain, long Frames, long FramesRefused);
