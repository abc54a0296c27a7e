namespace Inspection.EdgeAgent.Control;

/// <summary>What <see cref="DeviceState.Apply"/> did with a desired state.</summary>
public enum DesiredStateOutcome
{
    /// <summary>Newer than the applied one: now in effect.</summary>
    Applied,

    /// <summary>Not newer than the applied one (e.g. the retained message again after a reconnect): ignored.</summary>
    Stale,
}
