using Inspection.EdgeAgent.Storage;

namespace Inspection.EdgeAgent.Parts;

/// <summary>What the agent knows of one part while it is in view, and until its closing is stored.</summary>
internal sealed class TrackedPart(long id, long trackerId, DateTime firstSeen)
{
    /// <summary>The part's id on the device: the sequence of the first frame it was seen in.</summary>
    public long Id { get; } = id;

    /// <summary>The tracker's id for it (restarts at 1 with the process, unlike <see cref="Id"/>).</summary>
    public long TrackerId { get; } = trackerId;

    public DateTime FirstSeen { get; } = firstSeen;

    public DateTime LastSeen { get; set; } = firstSeen;

    public int FramesSeen { get; set; }

    /// <summary>Views in which the part was whole in view.</summary>
    public PartEvidence Whole { get; } = new();

    /// <summary>Every view, whole or not.</summary>
    public PartEvidence All { get; } = new();

    /// <summary>The part's entry is in the outbox as far as the agent knows (written and not deleted since).</summary>
    public bool InOutbox { get; set; }

    /// <summary>The quota policy evicted the part's entry: it is not written again.</summary>
    public bool Evicted { get; set; }

    /// <summary>The part has left the view; its closing waits to be stored.</summary>
    public bool Closed { get; set; }

    public bool SafeRejected { get; set; }

    /// <summary>Picked by <c>Parts:AuditShare</c>: if it is decided confidently, it is still sent to the cloud as an audit.</summary>
    public bool AuditPicked { get; set; }

    /// <summary>Decided confidently and picked for an audit: its entry carries its most telling frames, marked as an audit.</summary>
    public bool IsAudit(bool wholeViewsOnly)
    {
        var counted = Counted(wholeViewsOnly);
        return AuditPicked && Closed && !Evicted && counted.Decision != Detection.Decision.Uncertain && counted.Telling.Count > 0;
    }

    /// <summary>
    /// The part's trace context (W3C <c>traceparent</c>), made when the part first needs an outbox entry and kept with
    /// it, so every rewrite of the entry carries the same trace.
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>The model that decided the part's latest uncertain frame.</summary>
    public string ModelName { get; set; } = string.Empty;

    public string ModelVersion { get; set; } = string.Empty;

    public long? ModelRelease { get; set; }

    /// <summary>The frames that decide the part: its whole views when <paramref name="wholeViewsOnly"/> and it had any, else all.</summary>
    public PartEvidence Counted(bool wholeViewsOnly) => wholeViewsOnly && Whole.Frames > 0 ? Whole : All;

    public PartRecord ToRecord(string source, bool wholeViewsOnly)
    {
        var counted = Counted(wholeViewsOnly);
        return new PartRecord
        {
            Id = Id,
            Source = source,
            FirstSeen = FirstSeen,
            LastSeen = LastSeen,
            FramesSeen = FramesSeen,
            FramesUncertain = counted.Uncertain,
            EdgeDecision = counted.Decision,
            RejectedBySafePolicy = SafeRejected,
            EscalatedFrames = counted.Decision == Detection.Decision.Uncertain && !Evicted ? counted.Top.ConvertAll(f => f.Sequence)
                : IsAudit(wholeViewsOnly) ? counted.Telling.ConvertAll(f => f.Sequence) : [],
            Audit = IsAudit(wholeViewsOnly),
            OutboxEvicted = Evicted ? OutboxEvictionReason.Quota.ToWire() : null,
        };
    }
}
