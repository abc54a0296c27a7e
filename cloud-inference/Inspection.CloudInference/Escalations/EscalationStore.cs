using Inspection.CloudInference.Storage;
using Inspection.Contracts.Api;
using LiteDB;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Escalations, their frames, rejected frames and the duplicate counter, in the cloud database.
/// The JPEG is a byte field of a document in <c>frames</c> rather than LiteDB FileStorage: a frame is
/// far below the 16 MB document limit, and one document per frame can be written in the same
/// transaction as its escalation, so a crash never leaves a verdict without its image or an orphan
/// image behind (FileStorage writes a file header and chunks as separate documents).
/// </summary>
public sealed class EscalationStore
{
    private const string DuplicatesCounter = "duplicates-answered";

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<StoredEscalation> _escalations;
    private readonly ILiteCollection<FrameDocument> _frames;
    private readonly ILiteCollection<RejectedFrame> _rejected;
    private readonly ILiteCollection<CounterDocument> _counters;
    private readonly Lock _counterLock = new();

    public EscalationStore(CloudDatabase database)
    {
        _database = database.Database;
        _escalations = _database.GetCollection<StoredEscalation>("escalations");
        _frames = _database.GetCollection<FrameDocument>("frames");
        _rejected = _database.GetCollection<RejectedFrame>("rejected");
        _counters = _database.GetCollection<CounterDocument>("counters");
        _escalations.EnsureIndex(x => x.ReceivedTicks);
        _escalations.EnsureIndex(x => x.Verdict);
        _escalations.EnsureIndex(x => x.DeviceId);
    }

    /// <summary>
    /// How often the cloud contradicted one device's model on the frames (and parts) that model escalated: the cloud
    /// decided pass where the edge's strongest detection (over all of a part's escalated frames) scored 0.5 or more, or
    /// defect where it scored less (escalations the cloud left uncertain are not counted). Only escalations received at or after <paramref name="since"/>, when given.
    /// </summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="release">Release of the edge model (0: the model the device is configured with).</param>
    /// <param name="since">Only escalations received from then on; null: all.</param>
    public Disagreement DisagreementOf(string deviceId, long release, DateTimeOffset? since)
    {
        var from = since?.UtcTicks ?? 0;
        int judged = 0, contradicted = 0;
        foreach (var escalation in _escalations.Find(x => x.DeviceId == deviceId))
        {
            if (escalation.EdgeModelRelease != release || escalation.ReceivedTicks < from
                || escalation.Verdict is not (Verdicts.Pass or Verdicts.Defect))
            {
                continue;
            }

            judged++;
            // A part leaned defect when any of its escalated frames did: its verdict is the part's, not one frame's.
            var edge = escalation.Part is { } part ? part.Frames.SelectMany(f => f.EdgeDetections) : escalation.EdgeDetections;
            var leansDefect = edge.Any(d => d.Confidence >= 0.5);
            if (leansDefect != (escalation.Verdict == Verdicts.Defect))
            {
                contradicted++;
            }
        }

        return new Disagreement(judged, contradicted);
    }

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

    public void AddRejected(RejectedFrame frame) => _rejected.Insert(frame);

    public void CountDuplicate()
    {
        lock (_counterLock)
        {
            var counter = _counters.FindById(DuplicatesCounter) ?? new CounterDocument { Name = DuplicatesCounter };
            counter.Value++;
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
    public PartSummary PartSummary()
    {
        var parts = _escalations.Query().Where("$.Part != null");
        long pass = 0, defect = 0, uncertain = 0, frames = 0, refused = 0;
        foreach (var part in parts.Select(x => new { x.Verdict, x.Part }).ToEnumerable())
        {
            switch (part.Verdict)
            {
                case Verdicts.Pass: pass++; break;
                case Verdicts.Defect: defect++; break;
                case Verdicts.Uncertain: uncertain++; break;
            }

            frames += part.Part!.Frames.Count;
            refused += part.Part.Frames.Count(f => f.Error.Length > 0);
        }

        return new PartSummary(pass + defect + uncertain, pass, defect, uncertain, frames, refused);
    }

    public IReadOnlyList<RejectedFrame> LatestRejected(int limit) =>
        _rejected.Query().OrderByDescending(x => x.ReceivedAt).Limit(limit).ToList();

    public EscalationSummary Summary() => new(
        EscalationsStored: _escalations.LongCount(),
        DuplicatesAnswered: _counters.FindById(DuplicatesCounter)?.Value ?? 0,
        Rejected: _rejected.LongCount(),
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
