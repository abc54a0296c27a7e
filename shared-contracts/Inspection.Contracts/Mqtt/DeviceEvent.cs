namespace Inspection.Contracts.Mqtt;

/// <summary>Something a device wants the fleet view to know, on <c>…/{deviceId}/events</c> (not retained).</summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="Type">Kind of event, e.g. <c>desired-rejected</c>, <c>mode-changed</c>, <c>started</c>.</param>
/// <param name="Message">Human-readable text.</param>
/// <param name="At">When it happened.</param>
public sealed record DeviceEvent(int SchemaVersion, string DeviceId, string Type, string Message, DateTimeOffset At);
