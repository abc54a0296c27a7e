using Inspection.Contracts.Api;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Escalations, their frames, refused frames and the totals of duplicates and refusals: in the cloud's LiteDB file
/// (<see cref="EscalationStore"/>, the default) or in a PostgreSQL database that several cloud replicas share
/// (<see cref="PostgreSqlEscalationStore"/>). Either way an idempotency key is stored once, however many streams or
/// replicas send it at the same moment.
/// </summary>
public interface IEscalationStore
{
    /// <summary>
    /// How often the cloud contradicted one device's model on the frames (and parts) that model escalated: the cloud
    /// decided pass where the edge's strongest detection (over all of a part's escalated frames) scored 0.5 or more, or
    /// defect where it scored less (escalations the cloud left uncertain are not counted). Only escalations received at
    /// or after <paramref name="since"/>, when given.
    /// </summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="release">Release of the edge model (0: the model the device is configured with).</param>
    /// <param name="since">Only escalations received from then on; null: all.</param>
    Disagreement DisagreementOf(string deviceId, long release, DateTimeOffset? since);

    /// <summary>The escalation stored under a device's sequence number, or null.</summary>
    StoredEscalation? Find(string deviceId, ulong sequence);

    /// <summary>The escalation stored under an idempotency key, <c>{deviceId}/{sequence}</c>.</summary>
    StoredEscalation? Find(string key);

    /// <summary>Every escalation the cloud left uncertain (reviewed or not): what the review queue is drawn from.</summary>
    IReadOnlyList<StoredEscalation> FindUncertain();

    /// <summary>Every escalation stored (without frames): what a review of more than the uncertain ones is drawn from.</summary>
    IEnumerable<StoredEscalation> FindAll();

    /// <summary>Every escalation received in [<paramref name="from"/>, <paramref name="to"/>): the review dashboard's input.</summary>
    IReadOnlyList<StoredEscalation> FindReceived(DateTimeOffset from, DateTimeOffset to);

    /// <summary>
    /// Stores an escalation and its frame in one transaction. False when the key is already stored
    /// (e.g. the same frame arrived on two streams at once); then nothing is written.
    /// </summary>
    bool TryAdd(StoredEscalation escalation, byte[] jpeg) => TryAdd(escalation, [(escalation.Key, jpeg)]);

    /// <summary>
    /// Stores an escalation and all its frames (a part's, each under its own key) in one transaction, so a part is
    /// never stored with some of its images missing. False when the key is already stored; then nothing is written.
    /// </summary>
    bool TryAdd(StoredEscalation escalation, IReadOnlyList<(string Key, byte[] Jpeg)> frames);

    /// <summary>
    /// Records a refusal: a new record for a key and kind not seen before (the least recently seen records pruned to
    /// <see cref="RejectedFrameOptions.MaxRecords"/>), otherwise the existing one counted up. Keeps the JPEG's size and
    /// at most <see cref="RejectedFrameOptions.MaxStoredBytes"/> of its leading bytes. Returns the record as stored.
    /// </summary>
    /// <param name="deviceId">The key's device id as sent; null without a key.</param>
    /// <param name="sequence">The key's sequence as sent; null without a key.</param>
    /// <param name="lineId">The line id as sent.</param>
    /// <param name="kind">Why, as a kind: what a repeat is recognised by.</param>
    /// <param name="error">The refusal as the reply states it.</param>
    /// <param name="jpeg">The (first) JPEG as sent.</param>
    /// <param name="peer">The connection that sent it.</param>
    /// <param name="at">When it was refused.</param>
    RejectedFrame AddRejected(
        string? deviceId, ulong? sequence, string lineId, RefusalKind kind, string error, ReadOnlySpan<byte> jpeg, string peer, DateTimeOffset at);

    /// <summary>
    /// Adds one to the total of duplicates answered, kept in the database because the operator page, the CLI's
    /// <c>fleet</c> summary and the recovery bench show it across restarts (a cloud restart is when devices re-send).
    /// The count since start is the meter's (<see cref="Diagnostics.CloudMetrics"/>).
    /// </summary>
    void CountDuplicate();

    /// <summary>The JPEG of a frame escalation, or of a part's most informative frame.</summary>
    byte[]? FindJpeg(string deviceId, ulong sequence);

    /// <summary>The JPEG of one escalated frame of a part.</summary>
    byte[]? FindPartFrameJpeg(string deviceId, long partId, long frameSequence);

    /// <summary>The newest escalations first.</summary>
    IReadOnlyList<StoredEscalation> Latest(int limit);

    /// <summary>Totals over the stored parts (the part escalations among <see cref="Summary"/>'s).</summary>
    PartSummary PartSummary();

    /// <summary>The most recently seen refusal records first.</summary>
    IReadOnlyList<RejectedFrame> LatestRejected(int limit);

    /// <summary>Totals over every escalation stored, the duplicates answered and the frames refused.</summary>
    EscalationSummary Summary();
}
