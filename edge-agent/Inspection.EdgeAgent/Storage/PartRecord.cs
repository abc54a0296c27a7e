using Inspection.Detection;

namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// The stored decision of one part (collection <c>parts</c>, keyed by part id = the sequence of the first frame it was
/// seen in), written when the part left the view; the cloud's verdict is added when it answered the escalation, a
/// person's final verdict when the review comes back.
/// </summary>
public sealed class PartRecord
{
    /// <summary>The part's id on this device: the sequence of the first frame it was seen in.</summary>
    public long Id { get; set; }

    /// <summary><c>tracker</c> or <c>trigger</c>.</summary>
    public string Source { get; set; } = string.Empty;

    public DateTime FirstSeen { get; set; }

    public DateTime LastSeen { get; set; }

    /// <summary>Frames the part was seen in (all views, also those that did not count towards its decision).</summary>
    public int FramesSeen { get; set; }

    /// <summary>Frames that counted towards the decision and were uncertain for the part.</summary>
    public int FramesUncertain { get; set; }

    /// <summary>The edge's decision for the part by the part rule.</summary>
    public Decision EdgeDecision { get; set; }

    /// <summary>The part was uncertain while the safe policy was in force: the line rejected it (it is still escalated).</summary>
    public bool RejectedBySafePolicy { get; set; }

    /// <summary>Sequences of the frames escalated for the part, most informative first; empty when not escalated.</summary>
    public List<long> EscalatedFrames { get; set; } = [];

    /// <summary>
    /// The edge decided the part confidently and sent it to the cloud as an audit (<c>Parts:AuditShare</c>) in
    /// <see cref="EscalatedFrames"/>: the cloud's verdict is recorded, the line's decision stays <see cref="EdgeDecision"/>.
    /// </summary>
    public bool Audit { get; set; }

    /// <summary>The part's tracking ended with the agent process (the entry was sent as it stood at the restart).</summary>
    public bool ClosedByRestart { get; set; }

    /// <summary>The cloud's verdict for the part once it stored it: <c>pass</c>, <c>defect</c> or <c>uncertain</c> (left to a person).</summary>
    public string? CloudVerdict { get; set; }

    public string? CloudModel { get; set; }

    public DateTime? CloudAt { get; set; }

    /// <summary>
    /// The final verdict once a person reviewed the escalation (<c>defect</c> or <c>pass</c>), or null while none did;
    /// the cloud model's verdict stays in <see cref="CloudVerdict"/>.
    /// </summary>
    public string? FinalVerdict { get; set; }

    /// <summary>Where <see cref="FinalVerdict"/> came from: <c>review</c>; null while there is none.</summary>
    public string? FinalVerdictSource { get; set; }

    /// <summary>The review behind <see cref="FinalVerdict"/>: reviewer, action, time, tags.</summary>
    public ReviewRecord? Review { get; set; }

    /// <summary>Why the part's escalation left the outbox before the cloud stored it, or null when it was not evicted.</summary>
    public string? OutboxEvicted { get; set; }
}
