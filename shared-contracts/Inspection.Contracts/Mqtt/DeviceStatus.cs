namespace Inspection.Contracts.Mqtt;

/// <summary>
/// Online marker, retained on <c>…/{deviceId}/status</c>. The device publishes <c>Online = true</c>
/// after connecting and registers <c>Online = false</c> as its last will, so the broker announces a
/// device that vanished.
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="Online">Whether it is connected.</param>
/// <param name="At">When the device wrote this status (for the last will: when it connected).</param>
/// <param name="Reason">For an offline status: "last-will" or "shutdown".</param>
public sealed record DeviceStatus(int SchemaVersion, string DeviceId, bool Online, DateTimeOffset At, string? Reason = null);
