using Inspection.CloudInference.Tests.Infrastructure;
using LiteDB;
using Npgsql;

namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Where cloud replicas keep escalations, as a test parameter: the arguments each replica starts with, and the keys
/// stored, read once the replicas have stopped. A shared database reports every key under one store name; separate
/// stores report each under its replica's.
/// </summary>
internal abstract class ReplicaStore : IAsyncDisposable
{
    /// <summary>The name a test case shows.</summary>
    public abstract string Name { get; }

    /// <summary>True when the replicas share one database, which stores a key once whichever replica received it.</summary>
    public abstract bool Shared { get; }

    public abstract IEnumerable<string> Arguments(int replica);

    /// <summary>Every stored escalation key with the store it is in (one row per copy).</summary>
    public abstract IReadOnlyList<StoredKey> ReadStored(int replicas);

    /// <summary>
    /// <c>litedb</c>: each replica its own file. <c>postgresql</c>: one database on a PostgreSQL server of the test's
    /// own (Debian's, in a temporary folder) that every replica shares.
    /// </summary>
    public static async Task<ReplicaStore> CreateAsync(string name, string directory, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "litedb":
                return new LiteDbPerReplica(directory);
            case "postgresql":
                var server = new PostgreSqlServer();
                try
                {
                    await server.InitializeAsync();
                    return new SharedPostgreSql(server, directory, await server.CreateDatabaseAsync(cancellationToken));
                }
                catch
                {
                    await server.DisposeAsync();
                    throw;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "unknown replica store");
        }
    }

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public override string ToString() => Name;

    /// <summary>
    /// One PostgreSQL database for every replica (<c>Cloud:StorageProvider=postgresql</c>), which stores a key once
    /// whichever replica received it. Each replica keeps its own LiteDB file for what is not in PostgreSQL.
    /// </summary>
    private sealed class SharedPostgreSql(PostgreSqlServer server, string directory, string connectionString) : ReplicaStore
    {
        public override string Name => "postgresql";

        public override bool Shared => true;

        public override IEnumerable<string> Arguments(int replica) =>
        [
            "--Cloud:StorageProvider=postgresql",
            $"--Cloud:PostgreSqlConnectionString={connectionString}",
            $"--Cloud:StoragePath={Path.Combine(directory, $"cloud-{replica}.db")}",
        ];

        public override IReadOnlyList<StoredKey> ReadStored(int replicas)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT device_id, (document->>'Sequence')::bigint FROM escalations", connection);
            using var reader = command.ExecuteReader();
            var keys = new List<StoredKey>();
            while (reader.Read())
            {
                keys.Add(new StoredKey(reader.GetString(0), reader.GetInt64(1), "shared"));
            }

            return keys;
        }

        public override ValueTask DisposeAsync() => server.DisposeAsync();
    }

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
