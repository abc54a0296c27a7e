namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// The device's model update as persisted, so a restart at any step resumes it or reports how it ended. One
/// document; a new target replaces it.
/// </summary>
public sealed class UpdateRecord
{
    public const string DocumentId = "update";

    public string Id { get; set; } = DocumentId;

    /// <summary>The release installed (0: the configured model, which only a rollback returns to).</summary>
    public long Release { get; set; }

    /// <summary>For a one-step rollback: the release it leaves; null for an update.</summary>
    public long? RollbackFrom { get; set; }

    /// <summary>The <see cref="global::Inspection.Contracts.Mqtt.ModelTarget"/> as JSON.</summary>
    public string TargetJson { get; set; } = string.Empty;

    /// <summary>One of <see cref="global::Inspection.Contracts.Mqtt.OtaStates"/>.</summary>
    public string State { get; set; } = string.Empty;

    public string? Reason { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
