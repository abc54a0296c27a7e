namespace Inspection.Contracts.Mqtt;

/// <summary>
/// What the cloud wants a device to do. Published retained on <c>…/{deviceId}/desired</c>; the device
/// applies it and echoes <see cref="Version"/> in <see cref="ReportedState.AppliedDesiredVersion"/>.
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="Version">Grows with every change the cloud makes for this device (≥ 1).</param>
/// <param name="Mode">Commanded degradation mode: <c>normal</c> or <c>local-only</c>.</param>
/// <param name="IssuedAt">When the cloud issued this state.</param>
/// <param name="IssuedBy">Who asked for it (operator name or "rollout"), for the audit trail.</param>
/// <param name="Model">The model the device should run; null: keep the one it runs.</param>
public sealed record DesiredState(
    int SchemaVersion,
    long Version,
    string Mode,
    DateTimeOffset? IssuedAt = null,
    string? IssuedBy = null,
    ModelTarget? Model = null);
