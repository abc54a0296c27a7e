namespace Inspection.CloudInference.Review;

/// <summary>
/// Where <see cref="ReviewStore"/> keeps reviews and their audit trail: the LiteDB file, or PostgreSQL tables every
/// cloud replica reads and writes. Two operators on two replicas may reach for the same item at once, so every change
/// to a review is compare-and-set on its <see cref="StoredReview.Version"/>: a writer that lost the race reads again
/// and decides again (the item is now leased by the other, or reviewed), and never overwrites what it has not seen.
/// </summary>
public interface IReviewTable
{
    /// <summary>The review of the escalation <paramref name="key"/>, or null when no one has opened it yet.</summary>
    StoredReview? Find(string key);

    /// <summary>Every review, completed or not.</summary>
    IReadOnlyList<StoredReview> All();

    /// <summary>The completed reviews.</summary>
    IReadOnlyList<StoredReview> Completed();

    /// <summary>The reviews opened (leased at some point, or re-opened) and not completed.</summary>
    IReadOnlyList<StoredReview> Open();

    /// <summary>
    /// Writes <paramref name="next"/> with its audit line (both or neither) if the stored version is still
    /// <paramref name="expectedVersion"/>, where 0 means "not stored yet"; the written version is one more, set on
    /// <paramref name="next"/>. False when another writer changed or created it first: read again before changing it.
    /// </summary>
    bool TryWrite(StoredReview next, long expectedVersion, StoredAuditEntry? entry);

    /// <summary>The item's audit trail, oldest first.</summary>
    IReadOnlyList<StoredAuditEntry> Audit(string key);
}
