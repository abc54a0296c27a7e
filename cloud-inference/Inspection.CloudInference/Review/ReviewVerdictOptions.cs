using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Review;

/// <summary>How reviewed verdicts go back to the devices that escalated them. Bound from <c>Cloud:Verdicts</c>.</summary>
public sealed class ReviewVerdictOptions
{
    public const string SectionName = "Cloud:Verdicts";

    /// <summary>
    /// How often verdicts their device has not confirmed yet are published again while it is online (besides at once
    /// when it comes back online, and pending ones after every reconnect of the cloud). Key
    /// <c>Cloud:Verdicts:RetrySeconds</c>, default 5.
    /// </summary>
    [Range(1, 3600, ErrorMessage = "Cloud:Verdicts:RetrySeconds must be between 1 and 3600 seconds (default 5): how often reviewed verdicts not confirmed by their device are published again.")]
    public int RetrySeconds { get; set; } = 5;

    /// <summary>
    /// Most pending verdicts, and most unconfirmed ones, published in one pass; the rest follow in the next. Key <c>Cloud:Verdicts:BatchSize</c>, default 100.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "Cloud:Verdicts:BatchSize must be between 1 and 10000 (default 100): how many unsent reviewed verdicts one pass publishes.")]
    public int BatchSize { get; set; } = 100;
}
