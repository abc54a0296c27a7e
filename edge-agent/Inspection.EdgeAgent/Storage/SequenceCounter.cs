using LiteDB;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// The device's frame sequence: only grows, also across restarts and kill -9. Numbers are reserved on
/// disk in blocks (<see cref="StorageOptions.SequenceBlockSize"/>) and a block is durable before its first
/// number is handed out, so a crash can skip the rest of a block but never hand out a number twice.
/// Thread-safe.
/// </summary>
public sealed class SequenceCounter
{
    private const string DocumentId = "sequence";
    private readonly EdgeDatabase _database;
    private readonly int _blockSize;
    private readonly Lock _gate = new();
    private long _last;
    private long _reservedUpTo;

    public SequenceCounter(EdgeDatabase database, IOptions<StorageOptions> options)
    {
        _database = database;
        _blockSize = options.Value.SequenceBlockSize;
        var stored = database.CounterCollection.FindById(DocumentId);
        var reserved = stored is null ? 0 : stored["reservedUpTo"].AsInt64;

        // Also look at what is stored, in case the counter document is older than the data (restored backup).
        _last = Math.Max(reserved, Math.Max(MaxId(database.ResultCollection), Math.Max(MaxId(database.OutboxCollection), MaxId(database.RejectedCollection))));
        _reservedUpTo = _last;
    }

    /// <summary>The last number handed out (0: none yet in this database).</summary>
    public long Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    public long Next()
    {
        lock (_gate)
        {
            if (_last >= _reservedUpTo)
            {
                var reserved = _last + _blockSize;
                _database.CounterCollection.Upsert(new BsonDocument { ["_id"] = DocumentId, ["reservedUpTo"] = reserved });
                _database.MakeDurable();
                _reservedUpTo = reserved;
            }

            return ++_last;
        }
    }

    private static long MaxId<T>(ILiteCollection<T> collection)
    {
        // Max() throws on an empty collection.
        if (collection.Count() == 0)
        {
            return 0;
        }

        var max = collection.Max();
        return max.IsNumber ? max.AsInt64 : 0;
    }
}
