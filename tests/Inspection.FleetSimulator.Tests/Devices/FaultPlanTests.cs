using Inspection.FleetSimulator.Devices;

namespace Inspection.FleetSimulator.Tests.Devices;

public sealed class FaultPlanTests
{
    [Fact]
    public void Assign_Shares_RoundedCountsEachDeviceOnce()
    {
        // Offline: 12.5 devices round to 13 (half away from zero).
        var options = new FleetOptions { Devices = 1000, FailVerify = 0.01, FailGolden = 0.02, Hang = 0.005, Offline = 0.0125, Regress = 0.1 };

        var faults = FaultPlan.Assign(options);

        var counts = faults.GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            [(DeviceFault.None, 852), (DeviceFault.FailVerify, 10), (DeviceFault.FailGolden, 20), (DeviceFault.Hang, 5), (DeviceFault.Offline, 13), (DeviceFault.Regress, 100)],
            Enum.GetValues<DeviceFault>().Select(f => (f, counts.GetValueOrDefault(f))));
    }

    [Fact]
    public void Assign_SameSeed_SameDevicesAndAnotherSeedOthers()
    {
        var options = new FleetOptions { Devices = 200, FailVerify = 0.05, Hang = 0.05 };

        var first = FaultPlan.Assign(options);
        var again = FaultPlan.Assign(options);
        options.Seed = 2;
        var other = FaultPlan.Assign(options);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Assign_SharesRoundingAboveTheFleet_EveryDeviceOneFaultAtMost()
    {
        var options = new FleetOptions { Devices = 3, FailVerify = 0.5, FailGolden = 0.5 };

        var faults = FaultPlan.Assign(options);

        Assert.Equal(2, faults.Count(f => f == DeviceFault.FailVerify));
        Assert.Equal(1, faults.Count(f => f == DeviceFault.FailGolden));
    }
}
