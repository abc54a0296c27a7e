using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Control;

/// <summary>How often the device reports its state. Bound from the <c>Reporting</c> section.</summary>
public sealed class ReportingOptions
{
    public const string SectionName = "Reporting";

    /// <summary>Seconds between reported-state heartbeats (it is also published on every change). Default 5.</summary>
    [Range(1, 3600, ErrorMessage = "Reporting:IntervalSeconds must be between 1 and 3600 seconds.")]
    public int IntervalSeconds { get; set; } = 5;
}
