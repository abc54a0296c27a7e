using LiteDB;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// An escalated frame or part the cloud has judged, as stored (collection <c>escalations</c>). A frame's JPEG lives
/// in the <c>frames</c> collection under the same key, a part's JPEGs under <see cref="StoredPart.FrameKeyOf"/>,
/// so listing escalations never loads images. For a part, the fields of the frame (capture time, size, detections)
/// are those of its most informative frame, and <see cref="Part"/> holds every escalated frame.
/// </summary>
public sealed class StoredEscalation
{
    /// <summary>The idempotency key, <c>{deviceId}/{sequence}</c>; the primary key, so it is unique.</summary>
    [BsonId]
    public string Key { get; set; } = string.Empty;

    public string DeviceId { get; set; } = string.Empty;

    /// <summary>The device's sequence number (LiteDB has no unsigned 64-bit type; sequences stay below 2^63).</summary>
    public long Sequence { get; set; }

    public string LineId { get; set; } = string.Empty;

    public DateTimeOffset? CapturedAt { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>
    /// <see cref="ReceivedAt"/> in UTC ticks, the sort key of "newest first": LiteDB keeps dates to the
    /// millisecond, which ties frames received back to back.
    /// </summary>
    public long ReceivedTicks { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public int JpegBytes { get; set; }

    public string EdgeModelName { get; set; } = string.Empty;

    public string EdgeModelVersion { get; set; } = string.Empty;

    /// <summary>Release of the edge model's package (0: a model configured by path on the device).</summary>
    public long EdgeModelRelease { get; set; }

    public List<StoredDetection> EdgeDetections { get; set; } = [];

    /// <summary>Why the edge escalated.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>
    /// For an audit (the edge decided it itself and sent it only to be checked, its <c>Parts:AuditShare</c>): what the
    /// edge decided, <c>pass</c> or <c>defect</c>. Null for an escalation of something the edge was unsure of.
    /// </summary>
    public string? EdgeAudit { get; set; }

    public string CloudModelName { get; set; } = string.Empty;

    public string CloudModelVersion { get; set; } = string.Empty;

    public List<StoredDetection> CloudDetections { get; set; } = [];

    /// <summary><c>pass</c>, <c>defect</c> or <c>uncertain</c> (uncertain: waits in the review queue); of the whole part for a part.</summary>
    public string Verdict { get; set; } = string.Empty;

    /// <summary>The part this escalation stands for; null for a frame escalation (and for anything stored before parts).</summary>
    public StoredPart? Part { get; set; }

    public static string KeyOf(string deviceId, ulong sequence) => $"{deviceId}/{sequence}";
}
