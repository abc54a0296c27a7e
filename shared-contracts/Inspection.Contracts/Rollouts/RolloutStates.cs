namespace Inspection.Contracts.Rollouts;

/// <summary>States of a rollout.</summary>
public static class RolloutStates
{
    /// <summary>Waves start as the previous ones succeed.</summary>
    public const string Running = "running";

    /// <summary>Paused by a person: no device starts; devices already updating finish.</summary>
    public const string Paused = "paused";

    /// <summary>Stopped by itself: the failure threshold was crossed. No device starts; devices already updating finish. Resume or cancel.</summary>
    public const string Halted = "halted";

    /// <summary>Every wave ended.</summary>
    public const string Completed = "completed";

    /// <summary>Cancelled: devices not started got nothing; devices updating were rolled back.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>A newer rollout took its devices.</summary>
    public const string Superseded = "superseded";

    public static bool IsFinal(string state) => state is Completed or Cancelled or Superseded;
}

/// <summary>States of one device in a rollout.</summary>
public static class RolloutDeviceStates
{
    /// <summary>Its wave has not started.</summary>
    public const string Pending = "pending";

    /// <summary>Its wave started; it waits for an update slot, the maintenance window, or to come online.</summary>
    public const string Waiting = "waiting";

    /// <summary>Its desired state names the release; it is downloading, validating, shadowing, ….</summary>
    public const string Updating = "updating";

    /// <summary>Committed; the accuracy gate watches it.</summary>
    public const string Watching = "watching";

    /// <summary>Committed and passed the accuracy gate.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Failed, rolled back, timed out, or failed the accuracy gate (the reason says which).</summary>
    public const string Failed = "failed";

    /// <summary>The rollout was cancelled or superseded before the device finished (the reason says what it did).</summary>
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string state) => state is Succeeded or Failed or Cancelled;
}
