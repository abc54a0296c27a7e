namespace Inspection.Contracts.Mqtt;

/// <summary>
/// How much of the cascade a device uses. Ordered by severity: when the commanded mode and the automatic ones
/// differ, the device reports the most severe and applies the restrictions of every one of them together.
/// </summary>
public enum DegradationMode
{
    /// <summary>Inspect every frame; escalate uncertain frames to the cloud.</summary>
    Normal = 0,

    /// <summary>
    /// Inspect only every Nth frame (or at a lower rate), so a line whose model runs slower than the frame budget
    /// keeps a steady cadence instead of lagging; uncertain frames are still escalated.
    /// </summary>
    Reduced = 1,

    /// <summary>Inspect every frame; do not forward. Uncertain frames stay in the outbox until forwarding resumes.</summary>
    LocalOnly = 2,

    /// <summary>
    /// The line's fail-safe policy: uncertain counts as defect, so nothing doubtful passes while the cloud cannot
    /// settle it. Uncertain frames are still kept in the outbox.
    /// </summary>
    Safe = 3,

    /// <summary>No inspection; the agent stays alive (the systemd watchdog is fed) and reports that it is paused.</summary>
    Paused = 4,
}
