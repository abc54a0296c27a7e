using LiteDB;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// A frame the cloud refused (no key, bad device id, unreadable JPEG), kept with its bytes and the
/// reason in the <c>rejected</c> collection, so nothing the edge sent is lost without a trace.
/// </summary>
public sealed class RejectedFrame
{
    [BsonId]
    public ObjectId Id { get; set; } = ObjectId.NewObjectId();

    /// <summary>The device id as sent (may be invalid; that can be the reason).</summary>
    public string DeviceId { get; set; } = string.Empty;

    public long Sequence { get; set; }

    public string LineId { get; set; } = string.Empty;

    public DateTimeOffset ReceivedAt { get; set; }

    public string Error { get; set; } = string.Empty;

    public byte[] Jpeg { get; set; } = [];
}
