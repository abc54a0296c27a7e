using System.Globalization;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.FleetSimulator.Devices;

namespace Inspection.FleetSimulator;

/// <summary>The fleet at one moment: devices online, and how many are in each OTA state.</summary>
/// <param name="Devices">Devices in the fleet.</param>
/// <param name="Online">Devices connected to the broker.</param>
/// <param name="States">Devices per OTA state of their latest update (<see cref="NoUpdate"/>: none yet), in the order of <see cref="OtaStates.All"/>.</param>
public sealed record FleetSummary(int Devices, int Online, IReadOnlyDictionary<string, int> States)
{
    /// <summary>The state of a device that has had no update.</summary>
    public const string NoUpdate = "none";

    public static FleetSummary Of(IReadOnlyCollection<DeviceSnapshot> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var counts = devices.GroupBy(d => d.Ota?.State ?? NoUpdate).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var states = new[] { NoUpdate }.Concat(OtaStates.All).Where(counts.ContainsKey).ToDictionary(s => s, s => counts[s], StringComparer.Ordinal);
        return new FleetSummary(devices.Count, devices.Count(d => d.Online), states);
    }

    /// <summary>One line: <c>online 998/1000 | none 2, shadowing 40, committed 950, failed 8</c>.</summary>
    public override string ToString()
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"online {Online}/{Devices} | ");
        line.AppendJoin(", ", States.Select(s => $"{s.Key} {s.Value}"));
        return line.ToString();
    }
}
