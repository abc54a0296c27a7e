namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// A person's review of an escalated part or frame, as the cloud sent it back (a signed <c>ReviewVerdict</c>): stored on
/// the part's or frame's record beside the cloud model's verdict, which stays as it was.
/// </summary>
public sealed class ReviewRecord
{
    /// <summary>The verdict's unique id (a redelivery carries the same one).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary><c>defect</c> or <c>pass</c>.</summary>
    public string Verdict { get; set; } = string.Empty;

    /// <summary><c>accept</c>, <c>fix</c> or <c>reject</c>.</summary>
    public string Action { get; set; } = string.Empty;

    /// <summary>The account that reviewed it.</summary>
    public string Reviewer { get; set; } = string.Empty;

    public DateTime ReviewedAt { get; set; }

    /// <summary>When the device recorded it.</summary>
    public DateTime ReceivedAt { get; set; }

    public List<string> Tags { get; set; } = [];
}
