namespace Inspection.Contracts.Mqtt;

/// <summary>
/// How much of the cascade a device uses. Ordered by severity: when the commanded and the automatic
/// mode differ, the device runs the more severe one.
/// </summary>
public enum DegradationMode
{
    /// <summary>Decide locally; escalate uncertain frames to the cloud.</summary>
    Normal = 0,

    /// <summary>Decide locally; do not forward. Uncertain frames stay in the outbox until the mode returns to normal.</summary>
    LocalOnly = 1,
}
