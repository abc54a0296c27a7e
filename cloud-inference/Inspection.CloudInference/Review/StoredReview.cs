using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// The review of one escalation the cloud left uncertain (collection <c>reviews</c>, keyed like the escalation):
/// who holds its lease, and once completed who did what, with the final boxes per frame. Created when the item is
/// first opened; an item without one simply waits.
/// </summary>
public sealed class StoredReview
{
    // LiteDB reads an empty string back as null: kept empty here.
    private string _leaseHolder = string.Empty;
    private string _action = string.Empty;
    private string _reviewer = string.Empty;
    private string _leaseHolderAtAction = string.Empty;

    /// <summary>The escalation's key, <c>{deviceId}/{sequence}</c>.</summary>
    [BsonId]
    public string Key { get; set; } = string.Empty;

    public string DeviceId { get; set; } = string.Empty;

    public string LineId { get; set; } = string.Empty;

    /// <summary>Whether an action completed the review (false again after a re-open).</summary>
    public bool Completed { get; set; }

    /// <summary>The account holding the lease; empty when none.</summary>
    public string LeaseHolder { get => _leaseHolder; set => _leaseHolder = value ?? string.Empty; }

    /// <summary>When the lease ends, in UTC ticks (0: no lease). An expired lease is free.</summary>
    public long LeaseExpiresTicks { get; set; }

    /// <summary><c>accept</c>, <c>fix</c> or <c>reject</c>; empty until completed.</summary>
    public string Action { get => _action; set => _action = value ?? string.Empty; }

    /// <summary>The account that completed the review.</summary>
    public string Reviewer { get => _reviewer; set => _reviewer = value ?? string.Empty; }

    public DateTimeOffset? ReviewedAt { get; set; }

    /// <summary><see cref="ReviewedAt"/> in UTC ticks, for time filters (LiteDB keeps dates to the millisecond).</summary>
    public long ReviewedTicks { get; set; }

    public List<string> Tags { get; set; } = [];

    /// <summary>The final boxes per judged frame.</summary>
    public List<StoredReviewFrame> Frames { get; set; } = [];

    /// <summary>Who held the lease when the action was taken (the reviewer, or empty when the item was free).</summary>
    public string LeaseHolderAtAction { get => _leaseHolderAtAction; set => _leaseHolderAtAction = value ?? string.Empty; }

    /// <summary>How often an engineer re-opened it.</summary>
    public int Reopened { get; set; }

    /// <summary>
    /// One more at every write (1 once first written): what a write compares against, so of two replicas changing the
    /// review at once only one succeeds (<see cref="IReviewTable.TryWrite"/>).
    /// </summary>
    public long Version { get; set; }

    public bool IsLeasedAt(long nowTicks) => LeaseHolder.Length > 0 && LeaseExpiresTicks > nowTicks;
}
