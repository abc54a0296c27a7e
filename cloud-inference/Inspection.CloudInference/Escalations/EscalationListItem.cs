namespace Inspection.CloudInference.Escalations;

/// <summary>One row of <c>GET /api/escalations</c>: one escalated frame, or one escalated part with all its frames.</summary>
/// <param name="Key">Idempotency key, <c>{deviceId}/{sequence}</c>.</param>
/// <param name="DeviceId">The device that escalated.</param>
/// <param name="Sequence">The device's frame sequence.</param>
/// <param name="LineId">The production line.</param>
/// <param name="CapturedAt">When the edge captured the frame.</param>
/// <param name="ReceivedAt">When the cloud received it.</param>
/// <param name="EdgeModel">Edge model as <c>name version</c>.</param>
/// <param name="EdgeTop">The edge's most confident detection, or null.</param>
/// <param name="Reason">Why the edge escalated.</param>
/// <param name="CloudModel">Cloud model as <c>name version</c>.</param>
/// <param name="Verdict"><c>pass</c>, <c>defect</c> or <c>uncertain</c> (review queue).</param>
/// <param name="CloudDetections">What the cloud model found.</param>
/// <param name="ImageUrl">Where the JPEG is served (a part's: its most informative frame's).</param>
/// <param name="Part">The part this item stands for, with every escalated frame; null for a frame escalation.</param>
public sealed record EscalationListItem(
    string Key,
    string DeviceId,
    long Sequence,
    string LineId,
    DateTimeOffset? CapturedAt,
    DateTimeOffset ReceivedAt,
    string EdgeModel,
    StoredDetection? EdgeTop,
    string Reason,
    string CloudModel,
    string Verdict,
    IReadOnlyList<StoredDetection> CloudDetections,
    string ImageUrl,
    EscalationPartItem? Part)
{
    public static EscalationListItem From(StoredEscalation e) => new(
        e.Key,
        e.DeviceId,
        e.Sequence,
        e.LineId,
        e.CapturedAt,
        e.ReceivedAt,
        ($"{e.EdgeModelName} {e.EdgeModelVersion}" + (e.EdgeModelRelease > 0 ? $" (release {e.EdgeModelRelease})" : string.Empty)).Trim(),
        e.EdgeDetections.MaxBy(d => d.Confidence),
        e.Reason,
        $"{e.CloudModelName} {e.CloudModelVersion}".Trim(),
        e.Verdict,
        e.CloudDetections,
        $"/api/escalations/{Uri.EscapeDataString(e.DeviceId)}/{e.Sequence}/image",
        e.Part is { } part ? EscalationPartItem.From(e.DeviceId, part) : null);
}
