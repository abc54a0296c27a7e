namespace Inspection.Contracts.Rollouts;

/// <summary><c>GET /api/rollouts/{id}</c>: a rollout, its waves and every device in it.</summary>
/// <param name="Id">Rollout id.</param>
/// <param name="Release">The model release rolled out; 0 for an agent rollout.</param>
/// <param name="ModelName">Its model's name; <c>edge-agent</c> for an agent rollout.</param>
/// <param name="ModelVersion">Its model's version; the agent's for an agent rollout.</param>
/// <param name="Target">The target as requested.</param>
/// <param name="Strategy">The strategy with every default filled in.</param>
/// <param name="State">One of <see cref="RolloutStates"/>.</param>
/// <param name="Reason">Why it is in that state, in plain words (why it halted, who paused it, …).</param>
/// <param name="IssuedBy">The account that started it.</param>
/// <param name="CreatedAt">When it was started.</param>
/// <param name="UpdatedAt">When its state or a device's last changed.</param>
/// <param name="CurrentWave">Index of the wave in progress (0 is the canary).</param>
/// <param name="Waves">Its waves, canary first.</param>
/// <param name="Devices">Every device in it.</param>
/// <param name="Counts">Devices per state over the whole rollout.</param>
/// <param name="ReviewCheck">What the review check found, when the strategy asked for one.</param>
/// <param name="AgentVersion">The edge agent release rolled out, or null for a model rollout.</param>
public sealed record RolloutView(
    string Id,
    long Release,
    string ModelName,
    string ModelVersion,
    RolloutTarget Target,
    RolloutStrategy Strategy,
    string State,
    string? Reason,
    string IssuedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int CurrentWave,
    IReadOnlyList<WaveView> Waves,
    IReadOnlyList<RolloutDeviceView> Devices,
    RolloutCounts Counts,
    ReviewCheckResult? ReviewCheck = null,
    string? AgentVersion = null);

/// <summary>One wave: its devices and how far it got.</summary>
/// <param name="Index">0 for the canary, then 1, 2, ….</param>
/// <param name="Name"><c>canary</c>, <c>wave 1</c>, ….</param>
/// <param name="Devices">Devices in the wave.</param>
/// <param name="State"><c>pending</c>, <c>running</c>, <c>succeeded</c>, <c>halted</c> or <c>cancelled</c>.</param>
/// <param name="Counts">Its devices per state.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended.</param>
public sealed record WaveView(int Index, string Name, int Devices, string State, RolloutCounts Counts, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);

/// <summary>One device in a rollout.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Wave">Its wave's index.</param>
/// <param name="State">One of <see cref="RolloutDeviceStates"/>.</param>
/// <param name="Reason">Why, in plain words (the device's own reason when it failed).</param>
/// <param name="Since">When it entered that state.</param>
/// <param name="FromRelease">The release it ran when the rollout reached it (null: its configured model).</param>
/// <param name="OtaState">
/// Its latest update step as it reported it (<c>downloading</c>, <c>shadowing</c>, …; for an agent rollout
/// <c>requested</c>, <c>probation</c>, …), or null.
/// </param>
/// <param name="FromAgentVersion">For an agent rollout: the agent version it ran when the rollout reached it.</param>
public sealed record RolloutDeviceView(string DeviceId, int Wave, string State, string? Reason, DateTimeOffset Since, long? FromRelease, string? OtaState, string? FromAgentVersion = null);

/// <summary>Devices per rollout state.</summary>
public sealed record RolloutCounts(int Pending, int Waiting, int Updating, int Watching, int Succeeded, int Failed, int Cancelled)
{
    public int Total => Pending + Waiting + Updating + Watching + Succeeded + Failed + Cancelled;
}

/// <summary><c>GET /api/rollouts</c>: one line per rollout, newest first (<c>AgentVersion</c> set for an agent rollout, whose <c>Release</c> is 0).</summary>
public sealed record RolloutSummary(string Id, long Release, string State, string? Reason, int CurrentWave, int WaveCount, RolloutCounts Counts, string IssuedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? AgentVersion = null);

/// <summary>Body of <c>POST /api/rollouts/{id}/pause|resume|cancel</c> (optional).</summary>
/// <param name="Reason">Why, for the record.</param>
/// <remarks>
/// Who is the signed-in account, which the cloud records with the reason; an <c>issuedBy</c> field that older clients
/// send is ignored.
/// </remarks>
public sealed record RolloutAction(string? Reason = null);
