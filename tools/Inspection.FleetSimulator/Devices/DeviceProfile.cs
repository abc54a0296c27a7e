namespace Inspection.FleetSimulator.Devices;

/// <summary>One simulated device as its simulated parts see it: its number, its fault and the fleet's settings.</summary>
/// <param name="Number">The device's number in the fleet, from 1.</param>
/// <param name="Fault">The fault it was given.</param>
/// <param name="Fleet">The fleet's options (delays, rates, the step a hang stops in).</param>
public sealed record DeviceProfile(int Number, DeviceFault Fault, FleetOptions Fleet)
{
    /// <summary>Seeds the device's frame decisions: fixed by the fleet's seed and the device's number.</summary>
    public int Seed => unchecked((Fleet.Seed * 7919) + Number);

    /// <summary>Whether the device's update stops in <paramref name="step"/> and never ends.</summary>
    public bool HangsIn(string step) => Fault == DeviceFault.Hang && Fleet.HangStep == step;
}
