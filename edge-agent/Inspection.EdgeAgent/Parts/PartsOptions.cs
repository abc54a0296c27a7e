using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Parts;

/// <summary>
/// Whether the agent decides parts or frames, and how. Bound from the <c>Parts</c> section; the tracker's own settings
/// are <c>Parts:Tracker</c> (<see cref="Detection.Parts.PartTrackerOptions"/>).
/// </summary>
public sealed class PartsOptions : IValidatableObject
{
    public const string SectionName = "Parts";

    /// <summary>Value of <see cref="Source"/>: every frame is decided and escalated on its own (the behaviour before parts).</summary>
    public const string None = "none";

    /// <summary>Value of <see cref="Source"/>: parts are followed along the conveyor by the part tracker.</summary>
    public const string Tracker = "tracker";

    /// <summary>Value of <see cref="Source"/>: a PLC or photo-eye fires the camera once per part, so each frame is one part.</summary>
    public const string Trigger = "trigger";

    /// <summary>
    /// <c>Parts:Source</c>: where part identity comes from. <c>none</c> (default): frames are decided and escalated one
    /// by one. <c>tracker</c>: the part tracker follows parts along the belt; a part is decided when it leaves the
    /// view, from all its frames, and escalated once when uncertain. <c>trigger</c>: each inspected frame is one part.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Parts:Source must be none, tracker or trigger.")]
    public string Source { get; set; } = None;

    /// <summary>
    /// <c>Parts:MaxEscalatedFrames</c>: the most frames of an uncertain part sent to the cloud (the ones that showed
    /// most of what made it doubtful). Default 1: on the shipped models' validation lines 1, 2 and 3 frames decided
    /// the parts alike in the cloud, and 1 sends the least (models/README.md). Trigger parts always send their one frame.
    /// </summary>
    [Range(1, 8, ErrorMessage = "Parts:MaxEscalatedFrames must be between 1 and 8 frames per uncertain part; each one is a JPEG in the outbox and on the uplink.")]
    public int MaxEscalatedFrames { get; set; } = 1;

    /// <summary>
    /// <c>Parts:WholeViewsOnly</c>: when true (default) only the frames in which the part is whole in view (its
    /// silhouette does not touch the left or right image edge) decide it; a part never whole in view is decided on all
    /// its views.
    /// </summary>
    public bool WholeViewsOnly { get; set; } = true;

    /// <summary>
    /// <c>Parts:DetectionMargin</c>: a detection belongs to a part when its centre lies in the part's box grown by
    /// this many pixels on every side (a defect on the rim may reach past the silhouette). Default 8.
    /// </summary>
    [Range(0, 200, ErrorMessage = "Parts:DetectionMargin must be between 0 and 200 pixels; keep it below half the gap between two parts on the belt.")]
    public float DetectionMargin { get; set; } = 8;

    /// <summary>
    /// <c>Parts:AuditShare</c>: the share (0–1) of confidently decided parts (pass or defect; frames when
    /// <see cref="Source"/> is none) also sent to the cloud, marked as audits, so that a reviewer sees what the edge
    /// decides on its own: on a new line or part variant its confident mistakes are otherwise never corrected. Which
    /// ones is a hash of the device and the part's id (or the frame's sequence), so the choice is the same after a
    /// restart. The line's decision is not changed by an audit; audits are evicted first when the outbox is full, and
    /// one whose part is still in view when the agent stops is not sent. Default 0 (none); 1 while a line is
    /// commissioned sends every part.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Parts:AuditShare must be between 0 (no audits) and 1 (every confidently decided part is also sent for review).")]
    public double AuditShare { get; set; }

    /// <summary>Whether frames are grouped into parts (<see cref="Source"/> is not <c>none</c>).</summary>
    public bool Enabled => !string.Equals(Source, None, StringComparison.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Source is not (None or Tracker or Trigger))
        {
            yield return new ValidationResult(
                $"Parts:Source is '{Source}'; it must be none (decide frames), tracker (follow parts along the belt) or trigger (a PLC or photo-eye fires the camera once per part).",
                [nameof(Source)]);
        }
    }
}
