using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Api;

/// <summary>What the cloud knows about one device (<c>GET /api/fleet</c>).</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Online">Last status the device (or its last will) announced; null when none was seen.</param>
/// <param name="LastSeen">When the cloud last received anything from the device.</param>
/// <param name="DesiredVersion">Version of the latest desired state the cloud issued (0: none).</param>
/// <param name="DesiredMode">Mode that desired state commands, or null.</param>
/// <param name="AppliedDesiredVersion">Desired version the device reports it applied, or null before its first report.</param>
/// <param name="Reported">The device's last reported state, or null.</param>
/// <param name="LastEvents">Most recent events, newest first.</param>
/// <param name="MalformedPayloads">Payloads from this device the cloud could not read.</param>
/// <param name="LastMalformed">The last of those, with the reason.</param>
/// <param name="DesiredModelRelease">Release of the model the latest desired state names, or null.</param>
/// <param name="LastOtaProgress">Most recent model-update steps from <c>ota/progress</c>, newest first.</param>
/// <param name="Conflict">
/// Why the device and the cloud disagree about its desired state, or null when they agree: the device rejected a
/// desired state since the cloud issued its latest one (signature, key, device or replay; the reason is the device's),
/// or it has not applied the issued version within <c>Cloud:Control:ConflictGraceSeconds</c>. Issuing a new state the
/// device applies clears it.
/// </param>
/// <param name="Verdicts">
/// How the device's reviewed verdicts are getting to it (counts, oldest unconfirmed, a plain state); null when the cloud
/// never issued it one.
/// </param>
/// <param name="DesiredAgentVersion">
/// The edge agent release the latest desired state names, or null; what the device runs and how its last agent update
/// ended are in <see cref="ReportedState.AgentVersion"/> and <see cref="ReportedState.AgentUpdate"/>.
/// </param>
public sealed record FleetDevice(
    string DeviceId,
    bool? Online,
    DateTimeOffset? LastSeen,
    long DesiredVersion,
    string? DesiredMode,
    long? AppliedDesiredVersion,
    ReportedState? Reported,
    IReadOnlyList<DeviceEvent> LastEvents,
    long MalformedPayloads,
    RejectedPayload? LastMalformed,
    long? DesiredModelRelease = null,
    IReadOnlyList<OtaProgress>? LastOtaProgress = null,
    string? Conflict = null,
    VerdictDelivery? Verdicts = null,
    string? DesiredAgentVersion = null);
