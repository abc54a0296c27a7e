namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// The steps of an agent update as kept in <c>state.json</c> and reported to the fleet. The last three end it.
/// </summary>
public static class AgentUpdatePhase
{
    /// <summary>The agent downloaded and verified a bundle and handed it to the updater.</summary>
    public const string Requested = "requested";

    /// <summary>The link points at the new release, which is being watched through its health window.</summary>
    public const string Probation = "probation";

    /// <summary>The new release passed its health window and stays.</summary>
    public const string Committed = "committed";

    /// <summary>The new release failed its health window; the link points at the previous release again.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>The bundle was not installed (not verified, not newer, damaged); nothing was switched.</summary>
    public const string Refused = "refused";

    public static bool IsFinal(string phase) => phase is Committed or RolledBack or Refused;
}
