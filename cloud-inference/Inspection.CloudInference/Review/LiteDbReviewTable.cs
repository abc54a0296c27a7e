using Inspection.CloudInference.Storage;
using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Reviews and their audit trail in the cloud's LiteDB file (collections <c>reviews</c> and <c>review_audit</c>): one
/// cloud process. LiteDB has no compare-and-set, so the version check and the write happen under one lock.
/// </summary>
public sealed class LiteDbReviewTable : IReviewTable
{
    private readonly LiteDatabase _database;
    private readonly ILiteCollection<StoredReview> _reviews;
    private readonly ILiteCollection<StoredAuditEntry> _audit;
    private readonly Lock _gate = new();

    public LiteDbReviewTable(CloudDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database.Database;
        _reviews = _database.GetCollection<StoredReview>("reviews");
        _audit = _database.GetCollection<StoredAuditEntry>("review_audit");
        _reviews.EnsureIndex(x => x.Completed);
        _audit.EnsureIndex(x => x.Key);
    }

    public StoredReview? Find(string key) => _reviews.FindById(key);

    public IReadOnlyList<StoredReview> All() => [.. _reviews.FindAll()];

    public IReadOnlyList<StoredReview> Completed() => [.. _reviews.Find(x => x.Completed)];

    public IReadOnlyList<StoredReview> Open() => [.. _reviews.Find(x => !x.Completed)];

    public bool TryWrite(StoredReview next, long expectedVersion, StoredAuditEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_gate)
        {
            // A review written before versions existed reads as version 0 and is stored: it is changed, not inserted.
            var stored = _reviews.FindById(next.Key);
            if (stored is null ? expectedVersion != 0 : stored.Version != expectedVersion)
            {
                return false;
            }

            next.Version = expectedVersion + 1;
            // The review and its audit line in one transaction: the trail never misses a change, nor records one that was not made.
            _database.BeginTrans();
            try
            {
                _reviews.Upsert(next);
                if (entry is not null)
                {
                    _audit.Insert(entry);
                }

                _database.Commit();
                return true;
            }
            catch
            {
                _database.Rollback();
                next.Version = expectedVersion;
                throw;
            }
        }
    }

    public IReadOnlyList<StoredAuditEntry> Audit(string key) => [.. _audit.Find(x => x.Key == key).OrderBy(x => x.Id)];
}
