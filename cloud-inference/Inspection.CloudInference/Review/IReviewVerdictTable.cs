namespace Inspection.CloudInference.Review;

/// <summary>
/// Where <see cref="ReviewVerdictStore"/> keeps reviewed verdicts and each device's last verdict number: the LiteDB
/// file, or PostgreSQL tables every cloud replica shares, so a verdict stored on one replica is numbered once in its
/// device's series and confirmed on all.
/// </summary>
public interface IReviewVerdictTable
{
    ReviewVerdictRecord? Find(string id);

    /// <summary>
    /// Stores <paramref name="record"/> with the next number of its device's series (set on it), number and record in
    /// one step; false, with nothing stored and no number used, when a verdict with its id is stored already.
    /// </summary>
    bool TryInsertNumbered(ReviewVerdictRecord record);

    /// <summary>Verdicts the broker has not acknowledged yet, oldest first.</summary>
    List<ReviewVerdictRecord> Pending(int max);

    int CountPending();

    /// <summary>Verdicts the broker took but the device has not confirmed yet, oldest first.</summary>
    List<ReviewVerdictRecord> Unconfirmed(int max);

    /// <summary>Verdicts not confirmed by their device yet, pending or sent.</summary>
    int CountUnconfirmed();

    /// <summary>Every verdict not confirmed yet, pending or sent, in no particular order.</summary>
    List<ReviewVerdictRecord> AllUnconfirmed();

    /// <summary>The last number issued per device.</summary>
    IReadOnlyDictionary<string, long> IssuedPerDevice();

    /// <summary>The last number issued to <paramref name="deviceId"/>; 0 when none was.</summary>
    long Issued(string deviceId);

    /// <summary>Marks the device's unconfirmed verdicts numbered 1..<paramref name="through"/> confirmed (and sent); returns how many.</summary>
    int Confirm(string deviceId, long through, DateTimeOffset now);

    /// <summary>Notes one publish of <paramref name="id"/>, acknowledged by the broker or not.</summary>
    void Published(string id, DateTimeOffset at, bool acknowledged);
}
