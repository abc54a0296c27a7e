using Inspection.CloudInference.Storage;
using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Reviewed verdicts in the cloud's LiteDB file (collections <see cref="ReviewVerdictStore.CollectionName"/> and
/// <see cref="ReviewVerdictStore.CounterCollectionName"/>): one cloud process.
/// </summary>
public sealed class LiteDbReviewVerdictTable : IReviewVerdictTable
{
    private readonly LiteDatabase _database;
    private readonly ILiteCollection<ReviewVerdictRecord> _verdicts;
    private readonly ILiteCollection<ReviewVerdictCounter> _counters;

    // Numbers are issued read-then-write; one writer at a time keeps them unique and gap-free.
    private readonly Lock _issue = new();

    public LiteDbReviewVerdictTable(CloudDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database.Database;
        _verdicts = _database.GetCollection<ReviewVerdictRecord>(ReviewVerdictStore.CollectionName);
        _counters = _database.GetCollection<ReviewVerdictCounter>(ReviewVerdictStore.CounterCollectionName);
        _verdicts.EnsureIndex(v => v.Sent);
        _verdicts.EnsureIndex(v => v.Confirmed);
        NumberUnnumbered();
    }

    public ReviewVerdictRecord? Find(string id) => _verdicts.FindById(id);

    public bool TryInsertNumbered(ReviewVerdictRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_issue)
        {
            // Looked up under the lock: the same review handed over twice at once keeps its one number.
            if (_verdicts.FindById(record.Id) is not null)
            {
                return false;
            }

            InsertNumbered(record);
        }

        // LiteDB's log is written behind the call; the review is done only once its verdict survives a crash.
        _database.Checkpoint();
        return true;
    }

    public List<ReviewVerdictRecord> Pending(int max) =>
        _verdicts.Query().Where(v => !v.Sent && !v.Confirmed).OrderBy(v => v.CreatedAt).Limit(max).ToList();

    public int CountPending() => _verdicts.Count(v => !v.Sent && !v.Confirmed);

    public List<ReviewVerdictRecord> Unconfirmed(int max) =>
        _verdicts.Query().Where(v => v.Sent && !v.Confirmed).OrderBy(v => v.CreatedAt).Limit(max).ToList();

    public int CountUnconfirmed() => _verdicts.Count(v => !v.Confirmed);

    // Through the Confirmed index: never the confirmed verdicts, which pile up for good.
    public List<ReviewVerdictRecord> AllUnconfirmed() => [.. _verdicts.Find(v => !v.Confirmed)];

    public IReadOnlyDictionary<string, long> IssuedPerDevice() =>
        _counters.FindAll().ToDictionary(c => c.DeviceId, c => c.Last, StringComparer.Ordinal);

    public long Issued(string deviceId) => _counters.FindById(deviceId)?.Last ?? 0;

    public int Confirm(string deviceId, long through, DateTimeOffset now)
    {
        var confirmed = 0;
        foreach (var record in _verdicts.Find(v => v.DeviceId == deviceId && !v.Confirmed && v.Number <= through))
        {
            record.Confirmed = true;
            record.ConfirmedAt = now;
            record.Sent = true;
            record.SentAt ??= now;
            _verdicts.Update(record);
            confirmed++;
        }

        return confirmed;
    }

    public void Published(string id, DateTimeOffset at, bool acknowledged)
    {
        if (_verdicts.FindById(id) is not { } record)
        {
            return;
        }

        record.Attempts++;
        record.LastPublishedAt = at;
        if (acknowledged && !record.Sent)
        {
            record.Sent = true;
            record.SentAt = at;
        }

        _verdicts.Update(record);
    }

    // The verdict and its device's counter in one transaction: a number is issued exactly when its verdict is stored.
    private void InsertNumbered(ReviewVerdictRecord record)
    {
        _database.BeginTrans();
        try
        {
            var counter = _counters.FindById(record.DeviceId) ?? new ReviewVerdictCounter { DeviceId = record.DeviceId };
            counter.Last++;
            record.Number = counter.Last;
            _counters.Upsert(counter);
            _verdicts.Upsert(record);
            _database.Commit();
        }
        catch
        {
            _database.Rollback();
            record.Number = 0;
            throw;
        }
    }

    // Verdicts stored before numbering existed get numbers in the order they were stored, so they are confirmed too.
    private void NumberUnnumbered()
    {
        var unnumbered = _verdicts.Query().Where(v => v.Number == 0).OrderBy(v => v.CreatedAt).ToList();
        if (unnumbered.Count == 0)
        {
            return;
        }

        lock (_issue)
        {
            foreach (var record in unnumbered)
            {
                InsertNumbered(record);
            }
        }

        _database.Checkpoint();
    }
}
