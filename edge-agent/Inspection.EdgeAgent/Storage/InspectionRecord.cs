using Inspection.Detection;

namespace Inspection.EdgeAgent.Storage;

/// <summary>The stored result of inspecting one frame (collection <c>results</c>, keyed by sequence).</summary>
public sealed class InspectionRecord
{
    /// <summary>The frame's sequence: per device, only grows, also across restarts.</summary>
    public long Id { get; set; }

    public DateTime CapturedAt { get; set; }

    /// <summary>The edge model's decision; for a frame the safe policy rejected it stays uncertain, so the cloud still settles it.</summary>
    public Decision Decision { get; set; }

    /// <summary>
    /// True when the frame was uncertain while the safe policy was in force: the line rejected it as a defect
    /// (<see cref="Decision"/> keeps the edge's own verdict, the cloud's comes in <see cref="CloudVerdict"/>).
    /// </summary>
    public bool RejectedBySafePolicy { get; set; }

    public List<DetectionRecord> Detections { get; set; } = [];

    public string ModelName { get; set; } = string.Empty;

    public string ModelVersion { get; set; } = string.Empty;

    /// <summary>Release of the package the deciding model came from; null for the configured model.</summary>
    public long? ModelRelease { get; set; }

    /// <summary>Detection time in milliseconds (preprocess, inference, postprocess).</summary>
    public double LatencyMs { get; set; }

    /// <summary>The cloud's verdict for an escalated frame once it has stored it: <c>pass</c>, <c>defect</c> or <c>uncertain</c> (waiting for an operator).</summary>
    public string? CloudVerdict { get; set; }

    public List<DetectionRecord>? CloudDetections { get; set; }

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

    /// <summary>
    /// Why the frame's escalation left the outbox before the cloud stored it (<c>quota</c>, <c>expired</c>,
    /// <c>disk-full</c>), or null when it was not evicted.
    /// </summary>
    public string? OutboxEvicted { get; set; }

    /// <summary>When the escalation was evicted.</summary>
    public DateTime? OutboxEvictedAt { get; set; }

    /// <summary>
    /// Ids of the parts the frame shows (see <see cref="PartRecord"/>) when the agent groups frames into parts; null
    /// under <c>Parts:Source</c> none. Empty for a frame of the bare belt.
    /// </summary>
    public List<long>? PartIds { get; set; }
}
