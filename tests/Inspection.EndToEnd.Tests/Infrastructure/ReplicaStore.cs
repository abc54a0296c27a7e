using LiteDB;

namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Where cloud replicas keep escalations, as a test parameter: the arguments each replica starts with, and the keys
/// stored, read once the replicas have stopped. A shared database reports every key under one store name; separate
/// stores report each under its replica's.
/// </summary>
internal abstract class ReplicaStore
{
    /// <summary>The name a test case shows.</summary>
    public abstract string Name { get; }

    /// <summary>True when the replicas share one database, which stores a key once whichever replica received it.</summary>
    public abstract bool Shared { get; }

    public abstract IEnumerable<string> Arguments(int replica);

    /// <summary>Every stored escalation key with the store it is in (one row per copy).</summary>
    public abstract IReadOnlyList<StoredKey> ReadStored(int replicas);

    /// <summary>The stores this repository can start here; PostgreSQL joins once the cloud has that provider.</summary>
    public static ReplicaStore Create(string name, string directory) => name switch
    {
        "litedb" => new LiteDbPerReplica(directory),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown replica store"),
    };

    public override string ToString() => Name;

    /// <summary>Each replica its own embedded LiteDB file (the default store): a re-sent frame is a second copy on another replica.</summary>
    private sealed class LiteDbPerReplica(string directory) : ReplicaStore
    {
        public override string Name => "litedb";

        public override bool Shared => false;

        public override IEnumerable<string> Arguments(int replica) => [$"--Cloud:StoragePath={Path(replica)}"];

        // Read-write: a replica killed with -9 left its log unmerged, and opening the file replays it as a restart would.
        public override IReadOnlyList<StoredKey> ReadStored(int replicas) =>
        [
            .. Enumerable.Range(0, replicas).SelectMany(replica =>
            {
                using var db = new LiteDatabase(new ConnectionString { Filename = Path(replica), Connection = ConnectionType.Direct });
                return db.GetCollection("escalations").FindAll()
                    .Select(d => new StoredKey(d["DeviceId"].AsString, d["Sequence"].AsInt64, $"replica-{replica}"))
                    .ToList();
            }),
        ];

        private string Path(int replica) => System.IO.Path.Combine(directory, $"cloud-{replica}.db");
    }
}
