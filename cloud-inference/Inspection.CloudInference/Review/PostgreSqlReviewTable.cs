using System.Text.Json;
using Inspection.CloudInference.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Reviews and their audit trail in the PostgreSQL database replicas share (<c>Storage/Migrations/0005_reviews.sql</c>).
/// The lease is claimed in the database: a new review is inserted with <c>ON CONFLICT DO NOTHING</c>, a change written
/// with <c>UPDATE … WHERE version = @expected</c>, so of two operators on two replicas taking the same item at once
/// exactly one gets it. The audit line is inserted in the same transaction as the change it records.
/// </summary>
public sealed class PostgreSqlReviewTable(PostgreSqlDatabase database) : IReviewTable
{
    private static readonly JsonSerializerOptions Json = new();

    public StoredReview? Find(string key)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM reviews WHERE key = @key", connection);
        command.Parameters.AddWithValue("key", key);
        return command.ExecuteScalar() is string document ? Read<StoredReview>(document) : null;
    }

    public IReadOnlyList<StoredReview> All() => Query<StoredReview>("SELECT document FROM reviews", null);

    public IReadOnlyList<StoredReview> Completed() => Query<StoredReview>("SELECT document FROM reviews WHERE completed", null);

    public IReadOnlyList<StoredReview> Open() => Query<StoredReview>("SELECT document FROM reviews WHERE NOT completed", null);

    public bool TryWrite(StoredReview next, long expectedVersion, StoredAuditEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.Version = expectedVersion + 1;
        try
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction();
            using (var write = new NpgsqlCommand(
                expectedVersion == 0
                    ? "INSERT INTO reviews (key, version, completed, reviewed_ticks, document) VALUES (@key, @version, @completed, @ticks, @document) ON CONFLICT (key) DO NOTHING"
                    : "UPDATE reviews SET version = @version, completed = @completed, reviewed_ticks = @ticks, document = @document WHERE key = @key AND version = @expected",
                connection,
                transaction))
            {
                write.Parameters.AddWithValue("key", next.Key);
                write.Parameters.AddWithValue("version", next.Version);
                write.Parameters.AddWithValue("completed", next.Completed);
                write.Parameters.AddWithValue("ticks", next.ReviewedTicks);
                write.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(next, Json));
                write.Parameters.AddWithValue("expected", expectedVersion);
                if (write.ExecuteNonQuery() != 1)
                {
                    next.Version = expectedVersion;
                    return false;
                }
            }

            if (entry is not null)
            {
                using var audit = new NpgsqlCommand("INSERT INTO review_audit (key, document) VALUES (@key, @document) RETURNING id", connection, transaction);
                audit.Parameters.AddWithValue("key", entry.Key);
                audit.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(entry, Json));
                entry.Id = (long)audit.ExecuteScalar()!;
            }

            transaction.Commit();
            return true;
        }
        catch
        {
            next.Version = expectedVersion;
            throw;
        }
    }

    public IReadOnlyList<StoredAuditEntry> Audit(string key)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT id, document FROM review_audit WHERE key = @key ORDER BY id", connection);
        command.Parameters.AddWithValue("key", key);
        using var reader = command.ExecuteReader();
        var entries = new List<StoredAuditEntry>();
        while (reader.Read())
        {
            var entry = Read<StoredAuditEntry>(reader.GetString(1));
            // The id is the table's sequence, given at insert: the document holds the 0 it was written with.
            entry.Id = reader.GetInt64(0);
            entries.Add(entry);
        }

        return entries;
    }

    private List<T> Query<T>(string sql, Action<NpgsqlCommand>? bind)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        bind?.Invoke(command);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(Read<T>(reader.GetString(0)));
        }

        return rows;
    }

    private static T Read<T>(string document) => JsonSerializer.Deserialize<T>(document, Json)!;
}
