using LiteDB;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// A refusal the cloud recorded (no key, bad device id or sequence, a JPEG too large or unreadable), in the
/// <c>refused_frames</c> collection, so nothing the edge sent is refused without a trace. One record per key and
/// <see cref="RefusalKind"/>: the same refusal again counts up <see cref="Count"/> and moves <see cref="LastSeen"/>. It
/// keeps metadata and at most <c>Cloud:Rejected:MaxStoredBytes</c> leading bytes of the JPEG, never the whole frame.
/// </summary>
public sealed class RejectedFrame
{
    /// <summary>Longest device id and line id kept, as sent (a refused id may be of any length).</summary>
    public const int MaxIdLength = 256;

    /// <summary>Longest refusal message kept.</summary>
    public const int MaxErrorLength = 2000;

    /// <summary>A hash of the key (device id, sequence) and the kind: what makes two refusals the same.</summary>
    [BsonId]
    public string Id { get; set; } = string.Empty;

    /// <summary>The device id as sent, cut to <see cref="MaxIdLength"/> characters (it may be invalid; that can be the reason).</summary>
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>The sequence as sent, exactly (a refused one may be above <see cref="long.MaxValue"/>); null without a key.</summary>
    public decimal? Sequence { get; set; }

    public string LineId { get; set; } = string.Empty;

    public RefusalKind Kind { get; set; }

    /// <summary>The refusal as the reply stated it, the last time.</summary>
    public string Error { get; set; } = string.Empty;

    /// <summary>Size of the (first) JPEG as sent, the last time.</summary>
    public long JpegBytes { get; set; }

    /// <summary>The leading bytes of the (first) JPEG, the last time: at most <c>Cloud:Rejected:MaxStoredBytes</c>.</summary>
    public byte[] Sample { get; set; } = [];

    /// <summary>The connection that sent it the last time (<c>ipv4:address:port</c>).</summary>
    public string Peer { get; set; } = string.Empty;

    public DateTimeOffset FirstSeen { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary><see cref="LastSeen"/> in UTC ticks: indexed, the oldest records are pruned first.</summary>
    public long LastSeenTicks { get; set; }

    /// <summary>How often this key was refused for this reason.</summary>
    public long Count { get; set; }
}
