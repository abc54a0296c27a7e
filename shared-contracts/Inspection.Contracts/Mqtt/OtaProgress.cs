namespace Inspection.Contracts.Mqtt;

/// <summary>
/// One step of a model update, published (not retained) on <c>…/{deviceId}/ota/progress</c> as it happens; the
/// latest also travels in the reported state (<see cref="ReportedState.Ota"/>).
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="DeviceId">The device updating.</param>
/// <param name="Release">The release being installed.</param>
/// <param name="State">One of <see cref="OtaStates"/>.</param>
/// <param name="At">When the device entered the state.</param>
/// <param name="Bytes">While downloading: bytes staged so far.</param>
/// <param name="Total">While downloading: bytes in all.</param>
/// <param name="Agreement">While shadowing and after: share of shadow frames whose decisions agreed so far.</param>
/// <param name="Frames">While shadowing or swapped: frames seen in the step so far.</param>
/// <param name="Reason">For failed and rolled-back: why, in words a person can act on; otherwise a short note.</param>
public sealed record OtaProgress(
    int SchemaVersion,
    string DeviceId,
    long Release,
    string State,
    DateTimeOffset At,
    long? Bytes = null,
    long? Total = null,
    double? Agreement = null,
    int? Frames = null,
    string? Reason = null);
