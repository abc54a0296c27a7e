using LiteDB;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Storage;

/// <summary>Inspection results and capture errors in LiteDB, with retention of the newest results.</summary>
public sealed class ResultStore
{
    private readonly EdgeDatabase _database;
    private readonly StorageOptions _options;
    private long _insertsSinceRetention;

    public ResultStore(EdgeDatabase database, IOptions<StorageOptions> options)
    {
        _database = database;
        _options = options.Value;
    }

    /// <summary>Stores a result whose <see cref="InspectionRecord.Id"/> (the sequence) is set.</summary>
    public void Insert(InspectionRecord record)
    {
        _database.ResultCollection.Insert(record);
        _insertsSinceRetention++;
    }

    public InspectionRecord? Find(long sequence) => _database.ResultCollection.FindById(sequence);

    public int Count() => _database.ResultCollection.Count();

    public void RecordCaptureError(string origin, string error, DateTimeOffset at) =>
        _database.CaptureErrorCollection.Insert(new CaptureErrorRecord { Origin = origin, Error = error, At = at.UtcDateTime });

    public int CountCaptureErrors() => _database.CaptureErrorCollection.Count();

    /// <summary>
    /// Deletes the oldest results beyond <see cref="StorageOptions.MaxResults"/>, at most
    /// <see cref="StorageOptions.RetentionBatchSize"/> per call, and only once every that many inserts
    /// unless <paramref name="force"/>. Returns how many it deleted.
    /// </summary>
    public int ApplyRetention(bool force = false)
    {
        if (!force && _insertsSinceRetention < _options.RetentionBatchSize)
        {
            return 0;
        }

        _insertsSinceRetention = 0;
        var results = _database.ResultCollection;
        var excess = results.Count() - _options.MaxResults;
        if (excess <= 0)
        {
            return 0;
        }

        var batch = Math.Min(excess, _options.RetentionBatchSize);
        var cutoff = results.Query().OrderBy(r => r.Id).Select(r => r.Id).Skip(batch - 1).Limit(1).First();
        return results.DeleteMany(Query.LTE("_id", cutoff));
    }
}
