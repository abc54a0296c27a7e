namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// One reviewed verdict the device received (collection <c>verdicts</c>, keyed by the verdict's id): what makes a
/// redelivery change nothing twice, also after a restart and for a part whose record retention has removed.
/// </summary>
public sealed class ReviewVerdictEntry
{
    public string Id { get; set; } = string.Empty;

    /// <summary>The part id, or the frame's sequence.</summary>
    public long Sequence { get; set; }

    public bool IsPart { get; set; }

    /// <summary>Its number in this device's series (<see cref="Contracts.Mqtt.ReviewVerdict.Number"/>); 0 when the cloud sent none.</summary>
    public long Number { get; set; }

    public string Verdict { get; set; } = string.Empty;

    /// <summary>What the device did with it (<see cref="ReviewVerdictOutcome"/>, by name).</summary>
    public string Outcome { get; set; } = string.Empty;

    public DateTime ReceivedAt { get; set; }
}
