using Microsoft.Extensions.Logging;

namespace Inspection.FleetSimulator.Devices;

/// <summary>
/// Writes a device's logs to the fleet's logger factory under the device's id, so a line says which device it is from
/// (<c>sim-0042 ModelUpdateWorker</c>).
/// </summary>
internal sealed class DeviceLoggerProvider(string deviceId, ILoggerFactory fleet) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) =>
        fleet.CreateLogger($"{deviceId} {categoryName[(categoryName.LastIndexOf('.') + 1)..]}");

    public void Dispose()
    {
        // The fleet's factory outlives every device.
    }
}
