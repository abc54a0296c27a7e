using Inspection.CloudInference.Storage;
using Inspection.Contracts.Api;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Escalations, their frames, rejected frames and the totals of duplicates and refusals, in the cloud database.
/// The JPEG is a byte field of a document in <c>frames</c> rather than LiteDB FileStorage: a frame is
/// far below the 16 MB document limit, and one document per frame can be written in the same
/// transaction as its escalation, so a crash never leaves a verdict without its image or an orphan
/// image behind (FileStorage writes a file header and chunks as separate documents).
/// Refused frames are kept apart, bounded (<see cref="RejectedFrameOptions"/>): a client that can reach the port must
/// not be able to fill the disk by sending frames the cloud refuses.
/// </summary>
public sealed class EscalationStore : IEscalationStore
{
    private const string DuplicatesCounter = "duplicates-answered";
    private const string RefusedCounter = "frames-refused";

    // Where refused frames were kept, whole, before refusals were bounded; carried over once and dropped.
    private const string LegacyRejectedCollection = "rejected";

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<StoredEscalation> _escalations;
    private readonly ILiteCollection<FrameDocument> _frames;
    private readonly ILiteCollection<RejectedFrame> _rejected;
    private readonly ILiteCollection<CounterDocument> _counters;
    private readonly Lock _counterLock = new();
    private readonly Lock _rejectedLock = new();
    private readonly RejectedFrameOptions _rejectedOptions;

    public EscalationStore(CloudDatabase database, IOptions<RejectedFrameOptions> rejectedOptions)
    {
        _database = database.Database;
        _rejectedOptions = rejectedOptions.Value;
        _escalations = _database.GetCollection<StoredEscalation>("escalations");
        _frames = _database.GetCollection<FrameDocument>("frames");
        _rejected = _database.GetCollection<RejectedFrame>("refused_frames");
        _counters = _database.GetCollection<CounterDocument>("counters");
        _escalations.EnsureIndex(x => x.ReceivedTicks);
        _escalations.EnsureIndex(x => x.Verdict);
        _escalations.EnsureIndex(x => x.DeviceId);
        _rejected.EnsureIndex(x => x.LastSeenTicks);
        CarryOverLegacyRejected();
    }

    public Disagreement DisagreementOf(string deviceId, long release, DateTimeOffset? since) =>
        EscalationTotals.DisagreementOver(_escalations.Find(x => x.DeviceId == deviceId), release, since?.UtcTicks ?? 0);

    public StoredEscalation? Find(string deviceId, ulong sequence) =>
        _escalations.FindById(StoredEscalation.KeyOf(deviceId, sequence));

    /// <summary>The escalation stored under an idempotency key, <c>{deviceId}/{sequence}</c>.</summary>
    public StoredEscalation? Find(string key) => _escalations.FindById(key);

    /// <summary>Every escalation the cloud left uncertain (reviewed or not): what the review queue is drawn from.</summary>
    public IReadOnlyList<StoredEscalation> FindUncertain() => _escalations.Find(x => x.Verdict == Verdicts.Uncertain).ToList();

    /// <summary>Every escalation stored (without frames): what a review of more than the uncertain ones is drawn from.</summary>
    public IEnumerable<StoredEscalation> FindAll() => _escalations.FindAll();

    /// <summary>Every escalation received in [<paramref name="from"/>, <paramref name="to"/>): the review dashboard's input.</summary>
    public IReadOnlyList<StoredEscalation> FindReceived(DateTimeOffset from, DateTimeOffset to)
    {
        long start = from.UtcTicks, end = to.UtcTicks;
        return _escalations.Find(x => x.ReceivedTicks >= start && x.ReceivedTicks < end).ToList();
    }

    /// <summary>
    /// Stores an escalation and its frame in one transaction. False when the key is already stored
    /// (e.g. the same frame arrived on two streams at once); then nothing is written.
    /// </summary>
    public bool TryAdd(StoredEscalation escalation, byte[] jpeg) => TryAdd(escalation, [(escalation.Key, jpeg)]);

    /// <summary>
    /// Stores an escalation and all its frames (a part's, each under its own key) in one transaction, so a part is
    /// never stored with some of its images missing. False when the key is already stored; then nothing is written.
    /// </summary>
    public bool TryAdd(StoredEscalation escalation, IReadOnlyList<(string Key, byte[] Jpeg)> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);

        // LiteDB transactions belong to the calling thread: no await between begin and commit.
        _database.BeginTrans();
        try
        {
            _escalations.Insert(escalation);
            foreach (var (key, jpeg) in frames)
            {
                _frames.Upsert(new FrameDocument { Key = key, Jpeg = jpeg });
            }

            _database.Commit();
            return true;
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            _database.Rollback();
            return false;
        }
        catch
        {
            _database.Rollback();
            throw;
        }
    }

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
    public RejectedFrame AddRejected(
        string? deviceId, ulong? sequence, string lineId, RefusalKind kind, string error, ReadOnlySpan<byte> jpeg, string peer, DateTimeOffset at)
    {
        var id = EscalationTotals.RejectedId(kind, deviceId, sequence);
        var sample = jpeg[..Math.Min(jpeg.Length, _rejectedOptions.MaxStoredBytes)].ToArray();
        lock (_rejectedLock)
        {
            var record = _rejected.FindById(id) ?? new RejectedFrame
            {
                Id = id,
                DeviceId = Printable.Cut(deviceId, RejectedFrame.MaxIdLength),
                Sequence = sequence,
                Kind = kind,
                FirstSeen = at,
            };
            var isNew = record.Count == 0;
            record.LineId = Printable.Cut(lineId, RejectedFrame.MaxIdLength);
            record.Error = Printable.Cut(error, RejectedFrame.MaxErrorLength);
            record.JpegBytes = jpeg.Length;
            record.Sample = sample;
            record.Peer = Printable.Cut(peer, RejectedFrame.MaxIdLength);
            record.LastSeen = at;
            record.LastSeenTicks = at.UtcTicks;
            record.Count++;
            _rejected.Upsert(record);
            AddToCounter(RefusedCounter, 1);
            if (isNew)
            {
                PruneRejected();
            }

            return record;
        }
    }

    private void PruneRejected()
    {
        var excess = _rejected.Count() - _rejectedOptions.MaxRecords;
        if (excess <= 0)
        {
            return;
        }

        var oldest = _rejected.Query().OrderBy(x => x.LastSeenTicks).Limit(excess).ToEnumerable().Select(x => x.Id).ToList();
        foreach (var id in oldest)
        {
            _rejected.Delete(id);
        }
    }

    // A database written before refusals were bounded kept every refused frame whole: its records become bounded ones
    // (deduplicated, with a sample of their bytes), its frames are counted, and the collection is dropped.
    private void CarryOverLegacyRejected()
    {
        if (!_database.CollectionExists(LegacyRejectedCollection))
        {
            return;
        }

        var legacy = _database.GetCollection(LegacyRejectedCollection);
        foreach (var document in legacy.FindAll())
        {
            var deviceId = document["DeviceId"].IsString ? document["DeviceId"].AsString : string.Empty;
            var sequence = document["Sequence"].IsNumber ? document["Sequence"].AsInt64 : 0;
            var error = document["Error"].IsString ? document["Error"].AsString : string.Empty;
            var jpeg = document["Jpeg"].IsBinary ? document["Jpeg"].AsBinary : [];
            var at = document["ReceivedAt"].IsDateTime ? new DateTimeOffset(document["ReceivedAt"].AsDateTime.ToUniversalTime()) : DateTimeOffset.UnixEpoch;
            AddRejected(deviceId, (ulong)Math.Max(sequence, 0), document["LineId"].IsString ? document["LineId"].AsString : string.Empty,
                RefusalKind.Unclassified, error, jpeg, string.Empty, at);
        }

        _database.DropCollection(LegacyRejectedCollection);
    }

    /// <summary>
    /// Adds one to the total of duplicates answered, kept in the database because the operator page, the CLI's
    /// <c>fleet</c> summary and the recovery bench show it across restarts (a cloud restart is when devices re-send).
    /// The count since start is the meter's (<see cref="Diagnostics.CloudMetrics"/>); this total is one atomic update in
    /// LiteDB, not a read and a write under a lock of this class.
    /// </summary>
    public void CountDuplicate()
    {
        var increment = BsonExpression.Create("{ Value: $.Value + 1 }");
        var match = BsonExpression.Create("_id = @0", new BsonValue(DuplicatesCounter));
        while (_counters.UpdateMany(increment, match) == 0)
        {
            try
            {
                _counters.Insert(new CounterDocument { Name = DuplicatesCounter, Value = 1 });
                return;
            }
            catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
            {
                // Another stream counted the first one at the same moment: add to it.
            }
        }
    }

    private void AddToCounter(string name, long value)
    {
        lock (_counterLock)
        {
            var counter = _counters.FindById(name) ?? new CounterDocument { Name = name };
            counter.Value += value;
            _counters.Upsert(counter);
        }
    }

    /// <summary>The JPEG of a frame escalation, or of a part's most informative frame.</summary>
    public byte[]? FindJpeg(string deviceId, ulong sequence)
    {
        var key = StoredEscalation.KeyOf(deviceId, sequence);
        if (_frames.FindById(key) is { } frame)
        {
            return frame.Jpeg;
        }

        return _escalations.FindById(key)?.Part is { Frames: [var first, ..] } part
            ? _frames.FindById(StoredPart.FrameKeyOf(deviceId, part.PartId, first.Sequence))?.Jpeg
            : null;
    }

    /// <summary>The JPEG of one escalated frame of a part.</summary>
    public byte[]? FindPartFrameJpeg(string deviceId, long partId, long frameSequence) =>
        _frames.FindById(StoredPart.FrameKeyOf(deviceId, partId, frameSequence))?.Jpeg;

    /// <summary>The newest escalations first.</summary>
    public IReadOnlyList<StoredEscalation> Latest(int limit) =>
        _escalations.Query().OrderByDescending(x => x.ReceivedTicks).Limit(limit).ToList();

    /// <summary>Totals over the stored parts (the part escalations among <see cref="Summary"/>'s).</summary>
    public PartSummary PartSummary() =>
        EscalationTotals.PartSummaryOver(
            _escalations.Query().Where("$.Part != null").Select(x => new { x.Verdict, x.Part }).ToEnumerable().Select(x => (x.Verdict, x.Part!)));

    /// <summary>The most recently seen refusal records first.</summary>
    public IReadOnlyList<RejectedFrame> LatestRejected(int limit) =>
        _rejected.Query().OrderByDescending(x => x.LastSeenTicks).Limit(limit).ToList();

    public EscalationSummary Summary() => new(
        EscalationsStored: _escalations.LongCount(),
        DuplicatesAnswered: _counters.FindById(DuplicatesCounter)?.Value ?? 0,
        Rejected: _counters.FindById(RefusedCounter)?.Value ?? 0,
        Pass: _escalations.LongCount(x => x.Verdict == Verdicts.Pass),
        Defect: _escalations.LongCount(x => x.Verdict == Verdicts.Defect),
        Uncertain: _escalations.LongCount(x => x.Verdict == Verdicts.Uncertain));

    /// <summary>Stored shape of a frame; public only because LiteDB maps public types.</summary>
    public sealed class FrameDocument
    {
        [BsonId]
        public string Key { get; set; } = string.Empty;

        public byte[] Jpeg { get; set; } = [];
    }

    /// <summary>Stored shape of a counter; public only because LiteDB maps public types.</summary>
    public sealed class CounterDocument
    {
        [BsonId]
        public string Name { get; set; } = string.Empty;

        public long Value { get; set; }
    }
}
