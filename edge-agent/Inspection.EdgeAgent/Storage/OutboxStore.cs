using Inspection.Detection;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// The durable outbox of uncertain frames. An entry is on disk when <see cref="Escalate"/> or <see cref="Add"/>
/// returns; it leaves through <see cref="Complete"/> (the cloud stored it), <see cref="Reject"/> (the cloud refused
/// it, kept in <c>rejected</c>), or eviction by the quota and age policy (<see cref="OutboxOptions"/>), which marks
/// the frame's result and is announced through <see cref="Evicted"/>, never silently.
/// </summary>
/// <remarks>
/// The quota is kept without scanning: the outbox's total size and count live in one document of <c>counters</c>,
/// updated in the same transaction as every insert and delete, so it is right after a crash and a restart. It is
/// rebuilt from the entries when it is missing or its count disagrees with the collection (a file written by an
/// agent that predates the quota).
/// The new frame is never the victim of its own insert: it has not had a chance to reach the cloud yet. Under
/// <c>least-uncertain-first</c> a frame that ranks lowest is the first to go at the next pass.
/// An insert evicts only what it needs, so the line never waits for a bulk eviction (about 0.35 ms per entry):
/// the pass down to <c>Outbox:EvictToShare</c> runs in <see cref="EvictToShare"/>, called by the quota worker when
/// <see cref="QuotaReached"/> wakes it, in small transactions.
/// </remarks>
public sealed class OutboxStore
{
    private const string TotalsId = "outbox";
    private const int CandidateBatch = 256;

    /// <summary>Entries per transaction of <see cref="EvictToShare"/>: a few ms of a frame's wait, not the whole pass.</summary>
    public const int TrimBatch = 8;
    private const int RankShift = 44;
    private const long SequenceMask = (1L << RankShift) - 1;

    // A BSON binary field: type byte, "Jpeg\0", length, subtype.
    private const int JpegFieldOverhead = 1 + 5 + 4 + 1;

    private readonly EdgeDatabase _database;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _timeProvider;

    // Serialises the read-modify-write of the totals with the entries they count; LiteDB would serialise the writes
    // anyway (collection locks), so this adds no waiting of its own.
    private readonly Lock _gate = new();

    public OutboxStore(EdgeDatabase database)
        : this(database, Options.Create(new OutboxOptions()), TimeProvider.System)
    {
    }

    public OutboxStore(EdgeDatabase database, IOptions<OutboxOptions> options, TimeProvider timeProvider)
    {
        _database = database;
        _options = options.Value;
        _timeProvider = timeProvider;
        lock (_gate)
        {
            EnsureTotals();
        }
    }

    /// <summary>Raised after a pass evicted entries (after its transaction committed), on the thread that ran it.</summary>
    public event Action<OutboxEviction>? Evicted;

    /// <summary>
    /// Raised after an insert that found the outbox full or left it so (the next entry of the same size would not
    /// fit), on the inserting thread: the quota worker wakes on it to run <see cref="EvictToShare"/> off the frame path.
    /// </summary>
    public event Action<OutboxUsage>? QuotaReached;

    /// <summary>Raised after every insert or delete with the outbox's usage, on the thread that made it.</summary>
    public event Action<OutboxUsage>? UsageChanged;

    /// <summary>The outbox's size and count against its quota.</summary>
    public OutboxUsage Usage => ToUsage(ReadTotals());

    /// <summary>
    /// Stores an uncertain frame's result and its outbox entry in one transaction, evicting by the policy first the
    /// fewest entries that make it fit when it would exceed the quota (usually one), then waits until it survives a crash: a kill -9 leaves both or neither, never
    /// an uncertain result that will not reach the cloud. Throws <see cref="LiteException"/> or <see cref="IOException"/>
    /// when they cannot be stored.
    /// </summary>
    public void Escalate(InspectionRecord record, OutboxEntry entry) => Write(record, entry);

    /// <summary>
    /// Inserts an entry whose result is already stored (quota as <see cref="Escalate"/>) and waits until it survives a
    /// crash. Throws <see cref="LiteException"/> or <see cref="IOException"/> when it cannot be stored.
    /// </summary>
    public void Add(OutboxEntry entry) => Write(null, entry);

    public OutboxEntry? Find(long sequence) => _database.OutboxCollection.FindById(sequence);

    public int Count() => _database.OutboxCollection.Count();

    public int CountRejected() => _database.RejectedCollection.Count();

    public RejectedEntry? FindRejected(long sequence) => _database.RejectedCollection.FindById(sequence);

    /// <summary>The oldest entries due at <paramref name="now"/>, oldest first, at most <paramref name="max"/>.</summary>
    public List<OutboxEntry> TakeDue(DateTimeOffset now, int max)
    {
        var due = now.UtcDateTime;
        return _database.OutboxCollection.Query()
            .Where(e => e.NextAttemptAt <= due)
            .OrderBy(e => e.Id)
            .Limit(max)
            .ToList();
    }

    /// <summary>The cloud stored the frame: record its verdict on the result and drop the entry, in one transaction.</summary>
    public bool Complete(long sequence, string verdict, List<DetectionRecord> cloudDetections, string cloudModel, DateTimeOffset at)
    {
        bool deleted;
        OutboxUsage usage;
        lock (_gate)
        {
            (deleted, usage) = _database.InTransaction(() =>
            {
                var result = _database.ResultCollection.FindById(sequence);
                if (result is not null)
                {
                    result.CloudVerdict = verdict;
                    result.CloudDetections = cloudDetections;
                    result.CloudModel = cloudModel;
                    result.CloudAt = at.UtcDateTime;
                    _database.ResultCollection.Update(result);
                }

                return DeleteLocked(_database.OutboxCollection.FindById(sequence));
            });
        }

        UsageChanged?.Invoke(usage);
        return deleted;
    }

    /// <summary>The cloud refused the frame: move it to <c>rejected</c> with the reason, in one transaction.</summary>
    public bool Reject(OutboxEntry entry, string error, DateTimeOffset at)
    {
        bool deleted;
        OutboxUsage usage;
        lock (_gate)
        {
            (deleted, usage) = _database.InTransaction(() =>
            {
                _database.RejectedCollection.Upsert(new RejectedEntry { Id = entry.Id, Entry = entry, Error = error, RejectedAt = at.UtcDateTime });
                return DeleteLocked(_database.OutboxCollection.FindById(entry.Id));
            });
        }

        UsageChanged?.Invoke(usage);
        return deleted;
    }

    /// <summary>No answer for the entry: count the attempt and hold it back until <paramref name="nextAttemptAt"/>.</summary>
    public void Postpone(long sequence, int attempts, DateTimeOffset nextAttemptAt, string error)
    {
        var entry = _database.OutboxCollection.FindById(sequence);
        if (entry is null)
        {
            return;
        }

        entry.Attempts = attempts;
        entry.NextAttemptAt = nextAttemptAt.UtcDateTime;
        entry.LastError = error;
        _database.OutboxCollection.Update(entry);
    }

    /// <summary>
    /// Evicts every entry captured longer ago than <c>Outbox:MaxAgeHours</c> before <paramref name="now"/> (none when
    /// it is 0), a batch per transaction so the pipeline never waits long. Returns the pass, or null when nothing expired.
    /// </summary>
    public OutboxEviction? EvictExpired(DateTimeOffset now)
    {
        if (_options.MaxAgeHours <= 0)
        {
            return null;
        }

        var cutoff = (now - TimeSpan.FromHours(_options.MaxAgeHours)).UtcDateTime;
        var pass = new Pass();
        while (true)
        {
            OutboxUsage usage;
            var before = pass.Count;
            lock (_gate)
            {
                usage = _database.InTransaction(() =>
                {
                    var totals = ReadTotals();
                    var batch = _database.OutboxCollection.Query().Where(e => e.CapturedAt < cutoff).Limit(CandidateBatch).ToList();
                    foreach (var entry in batch)
                    {
                        EvictLocked(entry, OutboxEvictionReason.Expired, now, ref totals, pass);
                    }

                    WriteTotals(totals);
                    return ToUsage(totals);
                });
            }

            pass.Usage = usage;
            if (pass.Count - before < CandidateBatch)
            {
                break;
            }
        }

        return Finish(pass, OutboxEvictionReason.Expired, OutboxOptions.OldestFirst);
    }

    /// <summary>
    /// The database refused a write even after a retry: evicts by the policy until at least <paramref name="bytes"/>
    /// are freed, so the waiting frame fits in the pages that frees. Returns the pass, or null when the outbox is empty.
    /// </summary>
    public OutboxEviction? MakeRoom(long bytes)
    {
        var pass = new Pass();
        lock (_gate)
        {
            pass.Usage = _database.InTransaction(() =>
            {
                var totals = ReadTotals();
                EvictByPolicyLocked(
                    OutboxEvictionReason.DiskFull,
                    _timeProvider.GetUtcNow(),
                    ref totals,
                    pass,
                    _ => pass.Bytes >= bytes,
                    t => EntriesFor(bytes - pass.Bytes, t) + 1);
                WriteTotals(totals);
                return ToUsage(totals);
            });
        }

        // Committed: announced even when the flush fails, or a full disk would make the eviction silent.
        OutboxEviction? eviction = null;
        try
        {
            _database.MakeDurable();
        }
        finally
        {
            eviction = Finish(pass, OutboxEvictionReason.DiskFull, _options.Eviction);
        }

        return eviction;
    }

    /// <summary>
    /// Evicts by the policy (reason <c>quota</c>) until the outbox holds at most <c>Outbox:EvictToShare</c> of each
    /// quota, <see cref="TrimBatch"/> entries per transaction so that a frame's insert waits for one batch at most,
    /// never for the whole pass. Announced as one pass. Returns it, or null when the outbox was already below.
    /// </summary>
    public OutboxEviction? EvictToShare()
    {
        var bytesTarget = (long)(_options.MaxBytes * _options.EvictToShare);
        var entriesTarget = (long)(_options.MaxEntries * _options.EvictToShare);
        var at = _timeProvider.GetUtcNow();
        var pass = new Pass();
        bool above;
        do
        {
            var before = pass.Count;
            lock (_gate)
            {
                (above, pass.Usage) = _database.InTransaction(() =>
                {
                    var totals = ReadTotals();
                    EvictByPolicyLocked(
                        OutboxEvictionReason.Quota,
                        at,
                        ref totals,
                        pass,
                        t => (t.Bytes <= bytesTarget && t.Entries <= entriesTarget) || pass.Count - before >= TrimBatch,
                        t => Math.Min(TrimBatch - (pass.Count - before), Math.Max(t.Entries - entriesTarget, EntriesFor(t.Bytes - bytesTarget, t))));
                    WriteTotals(totals);
                    return (totals.Bytes > bytesTarget || totals.Entries > entriesTarget, ToUsage(totals));
                });
            }

            // An empty batch with usage still above means the outbox is empty but its totals are not: stop, not spin.
            above &= pass.Count > before;
        }
        while (above);

        if (pass.Count == 0)
        {
            return null;
        }

        // Committed: announced even when the flush fails, as MakeRoom does.
        OutboxEviction? eviction = null;
        try
        {
            _database.MakeDurable();
        }
        finally
        {
            eviction = Finish(pass, OutboxEvictionReason.Quota, _options.Eviction);
        }

        return eviction;
    }

    /// <summary>
    /// Stores a frame's result together with what it changed in the parts' outbox entries and the parts that closed,
    /// in one transaction: <paramref name="upserts"/> are written whole (inserted, or replacing the stored entry),
    /// <paramref name="deletes"/> removed (parts rejected at the edge), <paramref name="parts"/> upserted. An entry in
    /// <paramref name="upserts"/> whose id is in <paramref name="written"/> but is no longer stored was evicted by the
    /// quota policy since: it is not written again and its id is returned. When an outbox entry changed, the call
    /// waits until the transaction survives a crash. Quota as <see cref="Escalate"/>; the entries of this call are
    /// never the victims of their own insert. Throws <see cref="LiteException"/> or <see cref="IOException"/> when
    /// nothing could be stored.
    /// </summary>
    public IReadOnlyList<long> WriteParts(
        InspectionRecord? record,
        IReadOnlyList<OutboxEntry> upserts,
        IReadOnlyList<long> deletes,
        IReadOnlyList<PartRecord> parts,
        IReadOnlySet<long> written)
    {
        ArgumentNullException.ThrowIfNull(upserts);
        ArgumentNullException.ThrowIfNull(deletes);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(written);
        foreach (var entry in upserts)
        {
            entry.SizeBytes = SizeOf(entry);
            entry.EvictionRank = RankOf(entry);
        }

        var evicted = new List<long>();
        var pass = new Pass();
        var reached = false;
        var outboxChanged = upserts.Count > 0 || deletes.Count > 0;
        lock (_gate)
        {
            pass.Usage = _database.InTransaction(() =>
            {
                var totals = ReadTotals();
                foreach (var id in deletes)
                {
                    var stored = _database.OutboxCollection.FindById(id);
                    if (stored is not null && _database.OutboxCollection.Delete(id))
                    {
                        totals = new Totals(totals.Bytes - stored.SizeBytes, totals.Entries - 1);
                    }
                }

                var protectedIds = upserts.Select(e => e.Id).ToHashSet();
                foreach (var entry in upserts)
                {
                    var stored = _database.OutboxCollection.FindById(entry.Id);
                    if (stored is null && written.Contains(entry.Id))
                    {
                        evicted.Add(entry.Id);
                        continue;
                    }

                    var growth = entry.SizeBytes - (stored?.SizeBytes ?? 0);
                    var added = stored is null ? 1 : 0;
                    if (!Fits(totals, growth, added))
                    {
                        EvictByPolicyLocked(
                            OutboxEvictionReason.Quota,
                            _timeProvider.GetUtcNow(),
                            ref totals,
                            pass,
                            t => Fits(t, growth, added),
                            t => Math.Max(t.Entries + added - _options.MaxEntries, EntriesFor(t.Bytes + growth - _options.MaxBytes, t)),
                            protectedIds);
                    }

                    if (stored is null)
                    {
                        _database.OutboxCollection.Insert(entry);
                    }
                    else
                    {
                        _database.OutboxCollection.Update(entry);
                    }

                    totals = new Totals(totals.Bytes + growth, totals.Entries + added);
                    reached |= !Fits(totals, entry.SizeBytes);
                }

                if (record is not null)
                {
                    _database.ResultCollection.Insert(record);
                }

                foreach (var part in parts)
                {
                    _database.PartCollection.Upsert(part);
                }

                if (outboxChanged)
                {
                    WriteTotals(totals);
                }

                reached |= pass.Count > 0;
                return ToUsage(totals);
            });
        }

        if (!outboxChanged)
        {
            return evicted;
        }

        try
        {
            _database.MakeDurable();
        }
        finally
        {
            Finish(pass, OutboxEvictionReason.Quota, _options.Eviction);
            if (reached)
            {
                QuotaReached?.Invoke(pass.Usage);
            }
        }

        return evicted;
    }

    /// <summary>
    /// At start: the parts whose entries were still open when the previous run ended (their tracking ended with the
    /// process) are made ready to send as they stand, and each gets its part record (marked closed by the restart).
    /// Returns the ids released.
    /// </summary>
    public IReadOnlyList<long> ReleaseOpenParts(DateTimeOffset now)
    {
        List<long> released;
        lock (_gate)
        {
            released = _database.InTransaction(() =>
            {
                var open = _database.OutboxCollection.Query().Where(e => e.Open).ToList();
                foreach (var entry in open)
                {
                    entry.Open = false;
                    entry.NextAttemptAt = now.UtcDateTime;
                    _database.OutboxCollection.Update(entry);
                    _database.PartCollection.Upsert(new PartRecord
                    {
                        Id = entry.Id,
                        Source = entry.PartSource ?? string.Empty,
                        FirstSeen = entry.FirstSeen,
                        LastSeen = entry.LastSeen,
                        FramesSeen = entry.FramesSeen,
                        FramesUncertain = entry.FramesUncertain,
                        EdgeDecision = Decision.Uncertain,
                        EscalatedFrames = [entry.FrameSequence, .. entry.PartFrames.Select(f => f.Sequence)],
                        ClosedByRestart = true,
                    });
                }

                return open.Select(e => e.Id).ToList();
            });
        }

        if (released.Count > 0)
        {
            _database.MakeDurable();
        }

        return released;
    }

    public PartRecord? FindPart(long partId) => _database.PartCollection.FindById(partId);

    public int CountParts() => _database.PartCollection.Count();

    /// <summary>The cloud stored the part: record its verdict on the part and drop the entry, in one transaction.</summary>
    public bool CompletePart(long partId, string verdict, string cloudModel, DateTimeOffset at)
    {
        bool deleted;
        OutboxUsage usage;
        lock (_gate)
        {
            (deleted, usage) = _database.InTransaction(() =>
            {
                var part = _database.PartCollection.FindById(partId);
                if (part is not null)
                {
                    part.CloudVerdict = verdict;
                    part.CloudModel = cloudModel;
                    part.CloudAt = at.UtcDateTime;
                    _database.PartCollection.Update(part);
                }

                return DeleteLocked(_database.OutboxCollection.FindById(partId));
            });
        }

        UsageChanged?.Invoke(usage);
        return deleted;
    }

    /// <summary>The stored size of <paramref name="entry"/> as the quota counts it.</summary>
    public long SizeOf(OutboxEntry entry)
    {
        // The document without its JPEG serialised (small), plus the JPEG's length: the BSON size without copying the frame.
        var document = _database.Database.Mapper.ToDocument(entry);
        document.Remove(nameof(OutboxEntry.Jpeg));
        return BsonSerializer.Serialize(document).Length + JpegFieldOverhead + entry.Jpeg.Length;
    }

    private void Write(InspectionRecord? record, OutboxEntry entry)
    {
        entry.SizeBytes = SizeOf(entry);
        entry.EvictionRank = RankOf(entry);
        var pass = new Pass();
        var reached = false;
        lock (_gate)
        {
            pass.Usage = _database.InTransaction(() =>
            {
                var totals = ReadTotals();
                if (!Fits(totals, entry.SizeBytes))
                {
                    // Only what this entry needs, usually one entry: the frame's transaction is on the line's path.
                    // The pass down to Outbox:EvictToShare runs in the quota worker (EvictToShare), woken below.
                    EvictByPolicyLocked(
                        OutboxEvictionReason.Quota,
                        _timeProvider.GetUtcNow(),
                        ref totals,
                        pass,
                        t => Fits(t, entry.SizeBytes),
                        t => Math.Max(t.Entries + 1 - _options.MaxEntries, EntriesFor(t.Bytes + entry.SizeBytes - _options.MaxBytes, t)));
                }

                if (record is not null)
                {
                    _database.ResultCollection.Insert(record);
                }

                _database.OutboxCollection.Insert(entry);
                totals = new Totals(totals.Bytes + entry.SizeBytes, totals.Entries + 1);
                WriteTotals(totals);

                // Full when the next frame of this size would not fit: the worker makes room before it arrives.
                reached = pass.Count > 0 || !Fits(totals, entry.SizeBytes);
                return ToUsage(totals);
            });
        }

        try
        {
            _database.MakeDurable();
        }
        finally
        {
            Finish(pass, OutboxEvictionReason.Quota, _options.Eviction);
            if (reached)
            {
                QuotaReached?.Invoke(pass.Usage);
            }
        }
    }

    private bool Fits(Totals totals, long bytes) => Fits(totals, bytes, 1);

    private bool Fits(Totals totals, long bytes, int entries) =>
        totals.Bytes + bytes <= _options.MaxBytes && totals.Entries + entries <= _options.MaxEntries;

    private void EvictByPolicyLocked(
        OutboxEvictionReason reason,
        DateTimeOffset at,
        ref Totals totals,
        Pass pass,
        Func<Totals, bool> done,
        Func<Totals, long> estimate,
        IReadOnlySet<long>? keep = null)
    {
        while (!done(totals))
        {
            // Candidates are read whole (JPEG included): read about as many as the pass needs, not a fixed batch.
            var limit = (int)Math.Clamp(estimate(totals) + (keep?.Count ?? 0), 1, CandidateBatch);
            var query = _database.OutboxCollection.Query();
            var batch = _options.EvictsOldestFirst
                ? query.OrderBy(e => e.Id).Limit(limit).ToList()
                : query.OrderBy(e => e.EvictionRank).Limit(limit).ToList();
            var evictable = keep is null ? batch : batch.Where(e => !keep.Contains(e.Id)).ToList();
            if (evictable.Count == 0)
            {
                // Only the entries being written are left: they are never the victims of their own write.
                return;
            }

            foreach (var entry in evictable)
            {
                if (done(totals))
                {
                    return;
                }

                EvictLocked(entry, reason, at, ref totals, pass);
            }
        }
    }

    private void EvictLocked(OutboxEntry entry, OutboxEvictionReason reason, DateTimeOffset at, ref Totals totals, Pass pass)
    {
        _database.OutboxCollection.Delete(entry.Id);
        totals = new Totals(totals.Bytes - entry.SizeBytes, totals.Entries - 1);
        pass.Add(entry);

        if (entry.PartSource is not null)
        {
            // A part's key is its first frame's sequence, which need not be an escalated frame: tell the part.
            var part = _database.PartCollection.FindById(entry.Id);
            if (part is not null)
            {
                part.OutboxEvicted = reason.ToWire();
                _database.PartCollection.Update(part);
            }

            MarkPartFramesLocked(entry, reason, at);
            return;
        }

        // The result says what happened to its escalation; a result retention already deleted has nobody to tell.
        var result = _database.ResultCollection.FindById(entry.Id);
        if (result is not null)
        {
            result.OutboxEvicted = reason.ToWire();
            result.OutboxEvictedAt = at.UtcDateTime;
            _database.ResultCollection.Update(result);
        }
    }

    private void MarkPartFramesLocked(OutboxEntry entry, OutboxEvictionReason reason, DateTimeOffset at)
    {
        foreach (var sequence in entry.PartFrames.Select(f => f.Sequence).Prepend(entry.FrameSequence))
        {
            var result = _database.ResultCollection.FindById(sequence);
            if (result is not null)
            {
                result.OutboxEvicted = reason.ToWire();
                result.OutboxEvictedAt = at.UtcDateTime;
                _database.ResultCollection.Update(result);
            }
        }
    }

    private (bool Deleted, OutboxUsage Usage) DeleteLocked(OutboxEntry? entry)
    {
        var totals = ReadTotals();
        if (entry is null || !_database.OutboxCollection.Delete(entry.Id))
        {
            return (false, ToUsage(totals));
        }

        totals = new Totals(totals.Bytes - entry.SizeBytes, totals.Entries - 1);
        WriteTotals(totals);
        return (true, ToUsage(totals));
    }

    private OutboxEviction? Finish(Pass pass, OutboxEvictionReason reason, string policy)
    {
        OutboxEviction? eviction = null;
        if (pass.Count > 0)
        {
            eviction = new OutboxEviction(reason, policy, pass.Count, pass.Bytes, pass.First, pass.Last, pass.Usage);
            Evicted?.Invoke(eviction);
        }

        UsageChanged?.Invoke(pass.Usage);
        return eviction;
    }

    /// <summary>About how many entries of the outbox's average size hold <paramref name="bytes"/>.</summary>
    private static long EntriesFor(long bytes, Totals totals) =>
        bytes <= 0 || totals.Entries <= 0 ? 0 : (long)Math.Ceiling(bytes / Math.Max(1.0, (double)totals.Bytes / totals.Entries));

    /// <summary>Uncertainty in steps of 1/10000 above the sequence: one indexed key orders by uncertainty, then age.</summary>
    private static long RankOf(OutboxEntry entry) =>
        ((long)Math.Round(Math.Clamp(entry.Uncertainty, 0, 1) * 10_000) << RankShift) | (entry.Id & SequenceMask);

    private OutboxUsage ToUsage(Totals totals) => new(totals.Bytes, totals.Entries, _options.MaxBytes, _options.MaxEntries);

    private Totals ReadTotals()
    {
        var document = _database.CounterCollection.FindById(TotalsId);
        return document is null ? default : new Totals(document["bytes"].AsInt64, document["entries"].AsInt64);
    }

    private void WriteTotals(Totals totals) =>
        _database.CounterCollection.Upsert(new BsonDocument { ["_id"] = TotalsId, ["bytes"] = totals.Bytes, ["entries"] = totals.Entries });

    private void EnsureTotals()
    {
        var stored = _database.CounterCollection.FindById(TotalsId);
        if (stored is not null && stored["entries"].AsInt64 == _database.OutboxCollection.Count())
        {
            return;
        }

        // Entries from before the quota have no size or rank: give them theirs (uncertainty 0, least uncertain).
        var unsized = new List<long>();
        foreach (var entry in _database.OutboxCollection.FindAll())
        {
            if (entry.SizeBytes <= 0 || entry.EvictionRank != RankOf(entry))
            {
                unsized.Add(entry.Id);
            }
        }

        _database.InTransaction(() =>
        {
            foreach (var id in unsized)
            {
                var entry = _database.OutboxCollection.FindById(id);
                entry.SizeBytes = SizeOf(entry);
                entry.EvictionRank = RankOf(entry);
                _database.OutboxCollection.Update(entry);
            }

            long bytes = 0;
            long entries = 0;
            foreach (var size in _database.OutboxCollection.Query().Select(e => e.SizeBytes).ToEnumerable())
            {
                bytes += size;
                entries++;
            }

            WriteTotals(new Totals(bytes, entries));
            return entries;
        });
        _database.MakeDurable();
    }

    private readonly record struct Totals(long Bytes, long Entries);

    /// <summary>What one eviction pass removed.</summary>
    private sealed class Pass
    {
        public int Count { get; private set; }

        public long Bytes { get; private set; }

        public long First { get; private set; } = long.MaxValue;

        public long Last { get; private set; } = long.MinValue;

        public OutboxUsage Usage { get; set; }

        public void Add(OutboxEntry entry)
        {
            Count++;
            Bytes += entry.SizeBytes;
            First = Math.Min(First, entry.Id);
            Last = Math.Max(Last, entry.Id);
        }
    }
}
