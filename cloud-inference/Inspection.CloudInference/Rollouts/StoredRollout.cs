using LiteDB;

namespace Inspection.CloudInference.Rollouts;

/// <summary>A rollout as stored (collection <c>rollouts</c>): written after every change, read back after a restart.</summary>
public sealed class StoredRollout
{
    [BsonId]
    public string Id { get; set; } = string.Empty;

    /// <summary>Counts the writes (0: not written yet): a write over a version another writer replaced is refused.</summary>
    public long Version { get; set; }

    /// <summary>The model release rolled out; 0 for an agent rollout.</summary>
    public long Release { get; set; }

    /// <summary>The edge agent release rolled out, or null for a model rollout.</summary>
    public string? AgentVersion { get; set; }

    public string ModelName { get; set; } = string.Empty;

    public string ModelVersion { get; set; } = string.Empty;

    /// <summary>The target as requested (JSON of <see cref="Inspection.Contracts.Rollouts.RolloutTarget"/>).</summary>
    public string TargetJson { get; set; } = string.Empty;

    /// <summary>The resolved strategy (JSON of <see cref="Inspection.Contracts.Rollouts.RolloutStrategy"/>).</summary>
    public string StrategyJson { get; set; } = string.Empty;

    /// <summary>Where devices fetch the package from (the registry's public address when the rollout started).</summary>
    public string BaseUrl { get; set; } = string.Empty;

    public string State { get; set; } = string.Empty;

    public string? Reason { get; set; }

    public string IssuedBy { get; set; } = string.Empty;

    /// <summary>What the review check found before the canary started (JSON of a ReviewCheckResult), or null without one.</summary>
    public string? ReviewCheckJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public int CurrentWave { get; set; }

    /// <summary>Failures already counted when the rollout was last resumed: the threshold counts those after it.</summary>
    public int FailuresAtResume { get; set; }

    /// <summary>Devices started when the rollout was last resumed (for a failure share).</summary>
    public int StartedAtResume { get; set; }

    public List<StoredWave> Waves { get; set; } = [];

    public List<StoredRolloutDevice> Devices { get; set; } = [];
}

/// <summary>One wave of a stored rollout.</summary>
public sealed class StoredWave
{
    public int Index { get; set; }

    public string State { get; set; } = string.Empty;

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }
}

/// <summary>One device of a stored rollout, with what the accuracy gate compares.</summary>
public sealed class StoredRolloutDevice
{
    public string DeviceId { get; set; } = string.Empty;

    public int Wave { get; set; }

    public string State { get; set; } = string.Empty;

    public string? Reason { get; set; }

    public DateTimeOffset Since { get; set; }

    /// <summary>The release it ran when it was started (null: its configured model).</summary>
    public long? FromRelease { get; set; }

    /// <summary>Its desired model before the rollout touched it (JSON of a ModelTarget, or null), restored on cancel.</summary>
    public string? PreviousTargetJson { get; set; }

    /// <summary>Agent rollout: the agent version it ran when it was started.</summary>
    public string? FromAgentVersion { get; set; }

    /// <summary>Agent rollout: its desired agent before the rollout touched it (JSON of an AgentTarget, or null), restored on failure and cancel.</summary>
    public string? PreviousAgentJson { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>Its latest update step for this release, and since when (a step held longer than the timeout fails it).</summary>
    public string? OtaState { get; set; }

    public DateTimeOffset? OtaSince { get; set; }

    public DateTimeOffset? CommittedAt { get; set; }

    /// <summary>Its counters (lifetime of the agent, on the previous model) when it was started: the gate's baseline.</summary>
    public long BaselineFrames { get; set; }

    public long BaselineUncertain { get; set; }

    /// <summary>Frames and escalations since it committed, carried across agent restarts.</summary>
    public long GateFrames { get; set; }

    public long GateUncertain { get; set; }

    /// <summary>The counters last read (to take differences; a drop means the agent restarted).</summary>
    public long LastFrames { get; set; }

    public long LastUncertain { get; set; }
}
