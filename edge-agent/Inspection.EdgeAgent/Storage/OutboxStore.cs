using LiteDB;

namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// The durable outbox of uncertain frames. An entry is on disk when <see cref="Add"/> returns; it leaves
/// only through <see cref="Complete"/> (the cloud stored it) or <see cref="Reject"/> (the cloud refused it,
/// kept in <c>rejected</c>).
/// </summary>
public sealed class OutboxStore
{
    private readonly EdgeDatabase _database;

    public OutboxStore(EdgeDatabase database)
    {
        _database = database;
    }

    /// <summary>
    /// Inserts and waits until the entry survives a crash (see <see cref="EdgeDatabase"/>). Throws
    /// <see cref="LiteException"/> or <see cref="IOException"/> when it cannot be stored.
    /// </summary>
    public void Add(OutboxEntry entry)
    {
        _database.OutboxCollection.Insert(entry);
        _database.MakeDurable();
    }

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
    public bool Complete(long sequence, string verdict, List<DetectionRecord> cloudDetections, string cloudModel, DateTimeOffset at) =>
        _database.InTransaction(() =>
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

            return _database.OutboxCollection.Delete(sequence);
        });

    /// <summary>The cloud refused the frame: move it to <c>rejected</c> with the reason, in one transaction.</summary>
    public bool Reject(OutboxEntry entry, string error, DateTimeOffset at) =>
        _database.InTransaction(() =>
        {
            _database.RejectedCollection.Upsert(new RejectedEntry { Id = entry.Id, Entry = entry, Error = error, RejectedAt = at.UtcDateTime });
            return _database.OutboxCollection.Delete(entry.Id);
        });

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
}
