namespace Inspection.Contracts.Api;

/// <summary>The whole fleet view (<c>GET /api/fleet</c>).</summary>
/// <param name="BrokerConnected">Whether the cloud is connected to the MQTT broker right now.</param>
/// <param name="Devices">Every device that reported or was commanded, by id.</param>
/// <param name="UnattributedMalformedPayloads">Unreadable messages whose topic names no valid device.</param>
public sealed record FleetSnapshot(bool BrokerConnected, IReadOnlyList<FleetDevice> Devices, long UnattributedMalformedPayloads);
