using Inspection.FleetSimulator.Devices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.FleetSimulator;

/// <summary>
/// N simulated edge devices in this process (<see cref="SimulatedDevice"/>), each running the agent's own control and
/// model-update code against a real broker, with inference simulated and faults given to devices chosen by the seed
/// (<see cref="FaultPlan"/>). The command line runs one; tests start one in-process, command it as the cloud does
/// (over MQTT), watch <see cref="Snapshot"/> and stop it.
/// </summary>
public sealed class SimulatedFleet : IAsyncDisposable
{
    private readonly List<SimulatedDevice> _devices;
    private readonly Dictionary<string, SimulatedDevice> _byId;
    private int _stopped;

    private SimulatedFleet(FleetOptions options, List<SimulatedDevice> devices)
    {
        Options = options;
        _devices = devices;
        _byId = devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
        Faults = devices.Where(d => d.Fault != DeviceFault.None).ToDictionary(d => d.Id, d => d.Fault, StringComparer.Ordinal);
    }

    public FleetOptions Options { get; }

    public IReadOnlyList<SimulatedDevice> Devices => _devices;

    /// <summary>The devices that were given a fault, and which.</summary>
    public IReadOnlyDictionary<string, DeviceFault> Faults { get; }

    public SimulatedDevice this[string deviceId] => _byId[deviceId];

    /// <summary>
    /// Creates the devices' folders under <see cref="FleetOptions.Data"/> and starts every device; they connect to the
    /// broker on their own. Throws <see cref="ArgumentException"/> listing what is wrong with <paramref name="options"/>.
    /// </summary>
    public static async Task<SimulatedFleet> StartAsync(FleetOptions options, ILoggerFactory? logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        logging ??= NullLoggerFactory.Instance;
        var faults = FaultPlan.Assign(options);
        var devices = new List<SimulatedDevice>(options.Devices);
        try
        {
            for (var number = 1; number <= options.Devices; number++)
            {
                devices.Add(SimulatedDevice.Create(number, faults[number - 1], options, logging));
            }

            await Parallel.ForEachAsync(devices, Bounded(cancellationToken), async (device, token) => await device.StartAsync(token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch
        {
            await new SimulatedFleet(options, devices).DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new SimulatedFleet(options, devices);
    }

    /// <summary>Every device as it sees itself now, in device order.</summary>
    public IReadOnlyList<DeviceSnapshot> Snapshot() => [.. _devices.Select(d => d.Snapshot())];

    /// <summary>Devices online and per OTA state now.</summary>
    public FleetSummary Summarize() => FleetSummary.Of(Snapshot());

    /// <summary>Stops every device as systemd stops an agent: each announces itself offline and disconnects.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await Parallel.ForEachAsync(_devices, Bounded(CancellationToken.None), async (device, _) => await device.StopAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var device in _devices)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Starting and stopping devices is mostly waiting (files, sockets): a few per core at a time.
    private static ParallelOptions Bounded(CancellationToken cancellationToken) =>
        new() { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount * 4 };
}
