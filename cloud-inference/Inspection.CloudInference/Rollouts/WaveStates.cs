namespace Inspection.CloudInference.Rollouts;

/// <summary>States of one wave of a rollout (as the API shows them).</summary>
public static class WaveStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Halted = "halted";
    public const string Cancelled = "cancelled";
}
