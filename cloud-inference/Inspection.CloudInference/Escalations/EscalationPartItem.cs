namespace Inspection.CloudInference.Escalations;

/// <summary>The part an item of <c>GET /api/escalations</c> stands for; null on a frame escalation.</summary>
/// <param name="PartId">The part's id on its device (the key's sequence).</param>
/// <param name="Source"><c>tracker</c> or <c>trigger</c>.</param>
/// <param name="FramesSeen">Frames the edge saw the part in.</param>
/// <param name="FramesUncertain">Of those, frames the edge found uncertain.</param>
/// <param name="FirstSeen">When the edge first saw the part.</param>
/// <param name="LastSeen">When the edge last saw it.</param>
/// <param name="Frames">Every escalated frame, most informative first.</param>
public sealed record EscalationPartItem(
    long PartId,
    string Source,
    int FramesSeen,
    int FramesUncertain,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    IReadOnlyList<EscalationPartFrameItem> Frames)
{
    public static EscalationPartItem From(string deviceId, StoredPart part) => new(
        part.PartId,
        part.Source,
        part.FramesSeen,
        part.FramesUncertain,
        part.FirstSeen,
        part.LastSeen,
        [.. part.Frames.Select(f => EscalationPartFrameItem.From(deviceId, part.PartId, f))]);
}
