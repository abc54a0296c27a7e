using Inspection.LiteDb;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// The agent's one LiteDB file (LiteDB allows one <see cref="LiteDatabase"/> per file per process; it is
/// thread-safe). Collections: <c>results</c>, <c>outbox</c>, <c>rejected</c>, <c>capture_errors</c>,
/// <c>counters</c>, <c>control</c>, <c>parts</c> and <c>verdicts</c>.
/// </summary>
/// <remarks>
/// Durability: LiteDB commits a write by appending its pages to the log file beside the data file
/// (<c>edge-log.db</c>), but a background writer thread does the appending after the call returns.
/// <see cref="MakeDurable"/> runs a checkpoint, which waits for that writer, flushes to disk and folds the
/// log into the data file; only after it returns does a write survive kill -9 or a power cut. The outbox
/// and the sequence reservation call it; per-frame results do not need to.
/// </remarks>
public sealed class EdgeDatabase : IDisposable
{
    public const string Results = "results";
    public const string Outbox = "outbox";
    public const string Rejected = "rejected";
    public const string CaptureErrors = "capture_errors";
    public const string Counters = "counters";
    public const string Control = "control";
    public const string Parts = "parts";
    public const string Verdicts = "verdicts";

    private readonly LiteDatabase _database;

    public EdgeDatabase(IOptions<StorageOptions> options)
        : this(options.Value.Path)
    {
    }

    public EdgeDatabase(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        Path = fullPath;
        // LiteDB builds type mappings lazily and not thread-safely: one mapper per database, and every
        // document type mapped here, before the pipeline, forwarder and control threads share it.
        var mapper = new BsonMapper();
        mapper.ToDocument(new InspectionRecord());
        mapper.ToDocument(new OutboxEntry());
        mapper.ToDocument(new RejectedEntry());
        mapper.ToDocument(new CaptureErrorRecord());
        mapper.ToDocument(new DetectionRecord());
        mapper.ToDocument(new PartRecord());
        mapper.ToDocument(new PartFrameEntry());
        mapper.ToDocument(new PartBoxRecord());
        mapper.ToDocument(new Ota.UpdateRecord());
        mapper.ToDocument(new ReviewRecord());
        mapper.ToDocument(new ReviewVerdictEntry());
        _database = new LiteDatabase(new ConnectionString { Filename = fullPath, Connection = ConnectionType.Direct }, mapper);
        _database.UtcDate = true;
        _database.GetCollection<OutboxEntry>(Outbox).EnsureIndex(e => e.NextAttemptAt);

        // The outbox's eviction orders (OutboxStore): by rank, by age; built once on a file that lacks them.
        _database.GetCollection<OutboxEntry>(Outbox).EnsureIndex(e => e.EvictionRank);
        _database.GetCollection<OutboxEntry>(Outbox).EnsureIndex(e => e.CapturedAt);
    }

    /// <summary>Full path of the data file.</summary>
    public string Path { get; }

    public ILiteDatabase Database => _database;

    public ILiteCollection<InspectionRecord> ResultCollection => _database.GetCollection<InspectionRecord>(Results);

    public ILiteCollection<OutboxEntry> OutboxCollection => _database.GetCollection<OutboxEntry>(Outbox);

    public ILiteCollection<RejectedEntry> RejectedCollection => _database.GetCollection<RejectedEntry>(Rejected);

    public ILiteCollection<CaptureErrorRecord> CaptureErrorCollection => _database.GetCollection<CaptureErrorRecord>(CaptureErrors);

    public ILiteCollection<BsonDocument> CounterCollection => _database.GetCollection(Counters);

    public ILiteCollection<PartRecord> PartCollection => _database.GetCollection<PartRecord>(Parts);

    public ILiteCollection<BsonDocument> ControlCollection => _database.GetCollection(Control);

    /// <summary>Waits until every committed write is on disk (see remarks on the type).</summary>
    public void MakeDurable() => _database.Checkpoint();

    /// <summary>
    /// Runs <paramref name="work"/> as one LiteDB transaction: all of it is written, or none. LiteDB binds
    /// a transaction to the calling thread, so <paramref name="work"/> must be synchronous.
    /// </summary>
    public T InTransaction<T>(Func<T> work)
    {
        if (!_database.BeginTrans())
        {
            throw new InvalidOperationException("A LiteDB transaction is already open on this thread.");
        }

        try
        {
            var result = work();
            _database.Commit();
            return result;
        }
        catch
        {
            _database.Rollback();
            throw;
        }
    }

    // A write still running on another thread (a shutdown) must not leave LiteDB a transaction whose finalizer ends the process.
    public void Dispose() => LiteDatabaseRetirement.Dispose(_database, TimeProvider.System);
}
