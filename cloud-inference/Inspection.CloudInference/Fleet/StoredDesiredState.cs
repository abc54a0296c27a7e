using LiteDB;

namespace Inspection.CloudInference.Fleet;

/// <summary>The latest desired state issued for a device, as stored (collection <c>desired</c>).</summary>
public sealed class StoredDesiredState
{
    [BsonId]
    public string DeviceId { get; set; } = string.Empty;

    public long Version { get; set; }

    public string Mode { get; set; } = string.Empty;

    public DateTimeOffset IssuedAt { get; set; }

    public string IssuedBy { get; set; } = string.Empty;

    /// <summary>The model target as JSON (<see cref="Inspection.Contracts.Mqtt.ModelTarget"/>), or null.</summary>
    public string? ModelJson { get; set; }

    /// <summary>A one-step model rollback as JSON (<see cref="Inspection.Contracts.Mqtt.ModelRollback"/>), or null.</summary>
    public string? RollbackJson { get; set; }

    /// <summary>The agent release target as JSON (<see cref="Inspection.Contracts.Mqtt.AgentTarget"/>), or null.</summary>
    public string? AgentJson { get; set; }
}
