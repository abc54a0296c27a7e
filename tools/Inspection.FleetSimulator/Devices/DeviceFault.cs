namespace Inspection.FleetSimulator.Devices;

/// <summary>The fault a simulated device was given (<see cref="FaultPlan"/>); at most one per device.</summary>
public enum DeviceFault
{
    /// <summary>Behaves as a healthy device.</summary>
    None,

    /// <summary>Its staged package bytes are damaged after the download: the agent's verification refuses them.</summary>
    FailVerify,

    /// <summary>Its new model fails the golden set.</summary>
    FailGolden,

    /// <summary>Its update stops in one step (<see cref="FleetOptions.HangStep"/>) and never ends.</summary>
    Hang,

    /// <summary>It drops off the broker (last will) when it takes up an update, for <see cref="FleetOptions.OfflineSeconds"/>.</summary>
    Offline,

    /// <summary>It escalates <see cref="FleetOptions.RegressFactor"/> times as many frames once a newer release decides.</summary>
    Regress,
}
