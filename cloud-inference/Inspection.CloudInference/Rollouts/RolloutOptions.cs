using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Rollouts;

/// <summary>How often the rollout controller looks at the fleet. Bound from <c>Cloud:Rollouts</c>.</summary>
public sealed class RolloutOptions
{
    public const string SectionName = "Cloud:Rollouts";

    /// <summary>
    /// Milliseconds between two passes over the running rollouts (device progress, timeouts, the accuracy gate,
    /// waves). Key <c>Cloud:Rollouts:TickMilliseconds</c>, default 1000.
    /// </summary>
    [Range(50, 60000, ErrorMessage = "Cloud:Rollouts:TickMilliseconds must be between 50 and 60000.")]
    public int TickMilliseconds { get; set; } = 1000;
}
