namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// An uncertain frame, or an uncertain part, waiting for the cloud (collection <c>outbox</c>, keyed by sequence; a
/// part's key is its id, the sequence of its first frame). It leaves the outbox only when the cloud has stored it, or
/// moves to <c>rejected</c> when the cloud refuses it. A part's entry carries its most informative frame in the
/// frame fields and its other escalated frames in <see cref="PartFrames"/>.
/// </summary>
public sealed class OutboxEntry
{
    /// <summary>The frame's sequence; with the device id it is the idempotency key.</summary>
    public long Id { get; set; }

    public string LineId { get; set; } = string.Empty;

    public DateTime CapturedAt { get; set; }

    /// <summary>The original frame as JPEG.</summary>
    public byte[] Jpeg { get; set; } = [];

    public int Width { get; set; }

    public int Height { get; set; }

    public string ModelName { get; set; } = string.Empty;

    public string ModelVersion { get; set; } = string.Empty;

    /// <summary>Release of the package the deciding model came from; null for the configured model.</summary>
    public long? ModelRelease { get; set; }

    public List<DetectionRecord> Detections { get; set; } = [];

    /// <summary>Why the edge escalated, e.g. <c>uncertain: scratch 0.41</c>.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>
    /// For an audit (<c>Parts:AuditShare</c>: the edge decided the part or frame itself and sends it only to be
    /// checked): the edge's decision, <c>pass</c> or <c>defect</c>. Null for an uncertain part or frame.
    /// </summary>
    public string? EdgeAudit { get; set; }

    /// <summary>
    /// The W3C trace context (<c>traceparent</c>) of the span in which the edge found the frame or part uncertain (or
    /// picked it for an audit): sent with the entry, however much later and after however many restarts, so the cloud's
    /// spans continue that trace. Null for entries written before it was recorded.
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>Forwarding attempts that did not get an answer.</summary>
    public int Attempts { get; set; }

    /// <summary>Not sent again before this time (backoff).</summary>
    public DateTime NextAttemptAt { get; set; }

    /// <summary>Why the last attempt failed, if it did.</summary>
    public string? LastError { get; set; }

    /// <summary>
    /// How unsure the edge was, 0 to 1: 1 when the deciding score sat in the middle of the uncertain band, 0 at its
    /// edges. Entries stored before it was recorded read 0 (least uncertain: evicted first).
    /// </summary>
    public double Uncertainty { get; set; }

    /// <summary>Stored size in bytes (JPEG and metadata) as the quota counts it; set when the entry is written.</summary>
    public long SizeBytes { get; set; }

    /// <summary>
    /// Eviction order under <c>least-uncertain-first</c>, indexed: the uncertainty in steps of 1/10000, then the
    /// sequence, so equally uncertain entries go oldest first (see <see cref="OutboxStore"/>).
    /// </summary>
    public long EvictionRank { get; set; }

    /// <summary><c>tracker</c> or <c>trigger</c> for a part's entry; null for a frame's entry (<c>Parts:Source</c> none).</summary>
    public string? PartSource { get; set; }

    /// <summary>
    /// The part is still in view: the entry is kept up to date and not sent (its <see cref="NextAttemptAt"/> is
    /// <see cref="DateTime.MaxValue"/>) until the part leaves the view or the agent restarts.
    /// </summary>
    public bool Open { get; set; }

    /// <summary>For a part: the sequence of the frame in the frame fields (its most informative one).</summary>
    public long FrameSequence { get; set; }

    /// <summary>For a tracked part: where it lies in the frame of the frame fields; null otherwise.</summary>
    public PartBoxRecord? PartBox { get; set; }

    /// <summary>For a part: its other escalated frames, most informative first.</summary>
    public List<PartFrameEntry> PartFrames { get; set; } = [];

    /// <summary>For a part: frames it was seen in so far.</summary>
    public int FramesSeen { get; set; }

    /// <summary>For a part: frames that counted towards its decision and were uncertain for it.</summary>
    public int FramesUncertain { get; set; }

    /// <summary>For a part: when it was first and last seen.</summary>
    public DateTime FirstSeen { get; set; }

    public DateTime LastSeen { get; set; }
}
