namespace Inspection.EdgeAgent.Control;

/// <summary>What <see cref="DesiredStateVerifier.Check"/> found a payload on the device's desired topic to be.</summary>
public enum DesiredStateCheck
{
    /// <summary>Signed by a pinned key, for this device, newer than the applied state: apply it.</summary>
    Accepted,

    /// <summary>The applied state again, byte for byte in content (the retained message after a reconnect): nothing to do.</summary>
    Redelivered,

    /// <summary>Unsigned, signed by a key the device does not pin, altered, for another device, or a replay: refuse and report.</summary>
    Rejected,
}
