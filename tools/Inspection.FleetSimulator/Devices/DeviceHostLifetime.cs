using Microsoft.Extensions.Hosting;

namespace Inspection.FleetSimulator.Devices;

/// <summary>
/// A device host's lifetime in the fleet: the fleet starts and stops its devices, so a device host neither waits for
/// nor listens to Ctrl+C itself (a thousand console lifetimes would each take the signal).
/// </summary>
internal sealed class DeviceHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
