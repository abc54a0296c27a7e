namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// An escalated frame the cloud refused (collection <c>rejected</c>): kept with the cloud's reason, never
/// retried, never lost.
/// </summary>
public sealed class RejectedEntry
{
    public long Id { get; set; }

    public OutboxEntry Entry { get; set; } = new();

    public string Error { get; set; } = string.Empty;

    public DateTime RejectedAt { get; set; }
}
