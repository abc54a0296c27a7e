namespace Inspection.CloudInference.Storage;

/// <summary>The names (service keys) of the run-once leases, one per kind of work, with their advisory lock keys.</summary>
public static class RunOnceLeases
{
    /// <summary>The rollout controller's passes.</summary>
    public const string Rollouts = "rollouts";
}
