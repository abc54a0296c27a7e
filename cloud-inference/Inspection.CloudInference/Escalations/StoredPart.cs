namespace Inspection.CloudInference.Escalations;

/// <summary>
/// How the edge saw a part it escalated, and the cloud's reading of each of its escalated frames, stored inside the
/// part's one <see cref="StoredEscalation"/>. Null on a frame escalation.
/// </summary>
public sealed class StoredPart
{
    /// <summary>The part's id on its device (the sequence of the first frame it was seen in; the escalation key's sequence).</summary>
    public long PartId { get; set; }

    /// <summary><c>tracker</c> or <c>trigger</c>: where the edge's part identity came from.</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>Frames the edge saw the part in.</summary>
    public int FramesSeen { get; set; }

    /// <summary>Of those, the frames the edge found uncertain.</summary>
    public int FramesUncertain { get; set; }

    public DateTimeOffset? FirstSeen { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>The escalated frames, most informative first (the request's own frame first).</summary>
    public List<StoredPartFrame> Frames { get; set; } = [];

    /// <summary>Key of one frame's JPEG in the <c>frames</c> collection: <c>{deviceId}/{partId}/{frameSequence}</c>.</summary>
    public static string FrameKeyOf(string deviceId, long partId, long frameSequence) => $"{deviceId}/{partId}/{frameSequence}";
}
