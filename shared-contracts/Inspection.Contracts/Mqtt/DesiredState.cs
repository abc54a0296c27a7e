namespace Inspection.Contracts.Mqtt;

/// <summary>
/// What the cloud wants a device to do. Published retained on <c>…/{deviceId}/desired</c>; the device
/// applies it and echoes <see cref="Version"/> in <see cref="ReportedState.AppliedDesiredVersion"/>.
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="Version">Grows with every change the cloud makes for this device (≥ 1).</param>
/// <param name="Mode">Commanded degradation mode: <c>normal</c> or <c>local-only</c>.</param>
/// <param name="IssuedAt">When the cloud issued this state.</param>
/// <param name="IssuedBy">
/// Who asked for it, for the audit trail: the name of the signed-in account that made the change, or
/// <c>rollout …</c> for a rollout's own steps.
/// </param>
/// <param name="Model">The model the device should run; null: keep the one it runs (or, with a rollback to the configured model, that one).</param>
/// <param name="Rollback">
/// A step back after a release proved bad in the fleet (a rollout's accuracy gate): the device leaves release
/// <see cref="ModelRollback.From"/> for the model it committed just before it, which it still holds. Null: none.
/// </param>
/// <param name="Agent">
/// The edge agent release the device should run; null: keep the one it runs. Devices from before this field ignore it.
/// </param>
/// <param name="DeviceId">
/// The device this state is for. Inside a <see cref="SignedDesiredState"/> it is signed with the rest, so a state
/// issued for one device is refused by every other; a device refuses a signed state without it.
/// </param>
public sealed record DesiredState(
    int SchemaVersion,
    long Version,
    string Mode,
    DateTimeOffset? IssuedAt = null,
    string? IssuedBy = null,
    ModelTarget? Model = null,
    ModelRollback? Rollback = null,
    string? DeviceId = null,
    AgentTarget? Agent = null);

/// <summary>
/// Go back from release <paramref name="From"/> to <paramref name="To"/>, the release the device committed just
/// before it (null: the model it is configured with). The device accepts it only while it runs <paramref name="From"/>
/// and only to exactly that previous model, which it verified and ran before; it takes the same transaction as an
/// update (load, shadow, swap, health window, commit), and <paramref name="From"/> stays refused afterwards, like any
/// release at or below the highest committed one.
/// </summary>
/// <param name="From">The release to leave.</param>
/// <param name="To">The release to return to; null for the configured model.</param>
public sealed record ModelRollback(long From, long? To = null);
