namespace Inspection.FleetSimulator.Devices;

/// <summary>Which devices get which fault: each fault's share of the fleet, rounded, chosen by the seed, no device twice.</summary>
public static class FaultPlan
{
    /// <summary>The fault of each device, by index (device number − 1).</summary>
    public static IReadOnlyList<DeviceFault> Assign(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var count = options.Devices;
        var faults = new DeviceFault[count];
        var order = Enumerable.Range(0, count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var next = 0;
        foreach (var (fault, share) in new[]
        {
            (DeviceFault.FailVerify, options.FailVerify),
            (DeviceFault.FailGolden, options.FailGolden),
            (DeviceFault.Hang, options.Hang),
            (DeviceFault.Offline, options.Offline),
            (DeviceFault.Regress, options.Regress),
        })
        {
            var devices = Math.Min((int)Math.Round(share * count, MidpointRounding.AwayFromZero), count - next);
            for (var i = 0; i < devices; i++)
            {
                faults[order[next++]] = fault;
            }
        }

        return faults;
    }

    /// <summary>The fault's command-line name (<c>fail-verify</c>, …; <c>none</c>).</summary>
    public static string NameOf(DeviceFault fault) => fault switch
    {
        DeviceFault.FailVerify => "fail-verify",
        DeviceFault.FailGolden => "fail-golden",
        DeviceFault.Hang => "hang",
        DeviceFault.Offline => "offline",
        DeviceFault.Regress => "regress",
        _ => "none",
    };
}
