namespace Inspection.Contracts.Mqtt;

/// <summary>The values of <see cref="AgentUpdateReport.State"/>: the steps of a device's update of its own agent.</summary>
public static class AgentUpdateStates
{
    /// <summary>The device downloaded and verified the bundle and handed it to its updater.</summary>
    public const string Requested = "requested";

    /// <summary>The new release runs and is watched through its health window.</summary>
    public const string Probation = "probation";

    /// <summary>The new release passed its health window and stays.</summary>
    public const string Committed = "committed";

    /// <summary>The new release failed its health window; the previous one runs again.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>The bundle was not installed (not verified, not newer, damaged); nothing was switched.</summary>
    public const string Refused = "refused";
}
