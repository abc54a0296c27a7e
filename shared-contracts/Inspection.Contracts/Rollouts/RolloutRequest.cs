namespace Inspection.Contracts.Rollouts;

/// <summary>
/// <c>POST /api/rollouts</c>: roll a registered model release, or an edge agent release, out to a set of devices, canary
/// first, then in waves, halting by itself when devices fail.
/// </summary>
/// <param name="Release">A registered model release (<c>GET /api/models</c>); 0 for an agent rollout.</param>
/// <param name="Target">Which devices.</param>
/// <param name="Strategy">How; null takes every default of <see cref="RolloutStrategy"/>.</param>
/// <param name="AgentVersion">
/// A registered edge agent release (<c>GET /api/agent-releases</c>) instead of a model release: each device is judged on
/// its reported agent update (committed succeeds; rolled back or refused fails, with the device's reason). Its accuracy
/// gate and review check do not apply. Null: a model rollout.
/// </param>
/// <remarks>
/// Who started it is the signed-in account, which the cloud records; an <c>issuedBy</c> field that older clients send
/// is ignored.
/// </remarks>
public sealed record RolloutRequest(long Release, RolloutTarget Target, RolloutStrategy? Strategy = null, string? AgentVersion = null);

/// <summary>
/// The devices of a rollout: exactly one of named devices, a line, a tag, or the whole fleet. Devices report their
/// line and tags (<c>Edge:LineId</c>, <c>Edge:Tags</c>); the set is taken from the fleet when the rollout starts.
/// </summary>
/// <param name="Devices">Device ids.</param>
/// <param name="Line">Every device that reports this line.</param>
/// <param name="Tag">Every device that reports this tag.</param>
/// <param name="All">Every device the cloud knows.</param>
public sealed record RolloutTarget(IReadOnlyList<string>? Devices = null, string? Line = null, string? Tag = null, bool All = false);

/// <summary>How a rollout proceeds and when it stops by itself. Every member has a default.</summary>
/// <param name="Canary">The first wave: a count of devices (default 1) or devices named.</param>
/// <param name="Waves">
/// The waves after the canary, as cumulative percentages of the target (default <c>[100]</c>): <c>[25, 100]</c> updates
/// a quarter of the devices, then the rest. Not together with <paramref name="Ramp"/>.
/// </param>
/// <param name="Ramp">Waves that grow exponentially instead of <paramref name="Waves"/>.</param>
/// <param name="SuccessThreshold">Share of a wave's devices that must succeed before the next wave starts (default 1).</param>
/// <param name="FailureThreshold">When the rollout halts (default: the first failed device).</param>
/// <param name="DeviceTimeoutSeconds">A device that stays in one update state longer than this fails as timed out (default 900).</param>
/// <param name="MaxConcurrentUpdates">Devices updating (downloading to committing) at once (default 10).</param>
/// <param name="MaintenanceWindow">When set, devices start updating only inside it.</param>
/// <param name="AccuracyGate">What a device must show after it commits before it counts as succeeded.</param>
/// <param name="ReviewCheck">When set, the release is judged on reviewed parts before the canary starts (a retrained release).</param>
public sealed record RolloutStrategy(
    CanarySpec? Canary = null,
    IReadOnlyList<double>? Waves = null,
    RampSpec? Ramp = null,
    double? SuccessThreshold = null,
    FailureThreshold? FailureThreshold = null,
    int? DeviceTimeoutSeconds = null,
    int? MaxConcurrentUpdates = null,
    MaintenanceWindow? MaintenanceWindow = null,
    AccuracyGate? AccuracyGate = null,
    ReviewCheck? ReviewCheck = null);

/// <summary>The canary: <paramref name="Count"/> devices of the target chosen by the cloud, or the devices named.</summary>
public sealed record CanarySpec(int? Count = null, IReadOnlyList<string>? Devices = null);

/// <summary>Exponential waves: the first takes <paramref name="StartPercent"/> of the target, each next one <paramref name="Factor"/> times more, until all.</summary>
public sealed record RampSpec(double StartPercent, double Factor);

/// <summary>The rollout halts when more devices than this have failed (failed, rolled back, timed out, or failed the accuracy gate): a count, a share of the devices started, or both (whichever is crossed first).</summary>
public sealed record FailureThreshold(int? Count = null, double? Share = null);

/// <summary>A daily window, <c>HH:mm</c> to <c>HH:mm</c> (may cross midnight), in <paramref name="TimeZone"/> (an IANA id; default UTC).</summary>
public sealed record MaintenanceWindow(string Start, string End, string? TimeZone = null);

/// <summary>
/// After a device commits, it is watched over its next <paramref name="Escalations"/> escalations or
/// <paramref name="Minutes"/> minutes, whichever ends first: its escalation rate and the cloud's disagreement with it
/// must stay within bounds of the previous model's on the same device (rate ≤ ratio × before + slack). Outside them
/// the device fails and is rolled back to its previous model by a new desired state.
/// </summary>
public sealed record AccuracyGate(
    int? Escalations = null,
    double? Minutes = null,
    double? MaxEscalationRatio = null,
    double? EscalationSlack = null,
    double? MaxDisagreementRatio = null,
    double? DisagreementSlack = null);
