using System.Text.Json;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Rollouts;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// Rollouts in the PostgreSQL database replicas share (<c>Storage/Migrations/0003_rollouts.sql</c>). Optimistic
/// concurrency in the database: a new rollout is inserted with <c>ON CONFLICT DO NOTHING</c>, a change written with
/// <c>UPDATE … WHERE version = @expected</c>; a writer that finds no row changed lost the race.
/// </summary>
public sealed class PostgreSqlRolloutTable(PostgreSqlDatabase database) : IRolloutTable
{
    private static readonly JsonSerializerOptions Json = new();
    private static readonly string[] FinalStates = [RolloutStates.Completed, RolloutStates.Cancelled, RolloutStates.Superseded];

    public StoredRollout? Find(string id)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM rollouts WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return command.ExecuteScalar() is string document ? Read(document) : null;
    }

    public IReadOnlyList<StoredRollout> All() => Query("SELECT document FROM rollouts ORDER BY created_at DESC, id DESC", null);

    public IReadOnlyList<StoredRollout> Active() => Query("SELECT document FROM rollouts WHERE state <> ALL(@final)", FinalStates);

    public long Count()
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM rollouts", connection);
        return (long)command.ExecuteScalar()!;
    }

    public bool TryWrite(StoredRollout next, long expectedVersion)
    {
        ArgumentNullException.ThrowIfNull(next);
        using var connection = database.Open();
        using var command = new NpgsqlCommand(
            expectedVersion == 0
                ? "INSERT INTO rollouts (id, version, state, created_at, document) VALUES (@id, @version, @state, @created, @document) ON CONFLICT (id) DO NOTHING"
                : "UPDATE rollouts SET version = @version, state = @state, document = @document WHERE id = @id AND version = @expected",
            connection);
        command.Parameters.AddWithValue("id", next.Id);
        command.Parameters.AddWithValue("version", next.Version);
        command.Parameters.AddWithValue("state", next.State);
        command.Parameters.AddWithValue("created", next.CreatedAt);
        command.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(next, Json));
        command.Parameters.AddWithValue("expected", expectedVersion);
        return command.ExecuteNonQuery() == 1;
    }

    private List<StoredRollout> Query(string sql, string[]? final)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        if (final is not null)
        {
            command.Parameters.AddWithValue("final", final);
        }

        using var reader = command.ExecuteReader();
        var rollouts = new List<StoredRollout>();
        while (reader.Read())
        {
            rollouts.Add(Read(reader.GetString(0)));
        }

        return rollouts;
    }

    private static StoredRollout Read(string document) => JsonSerializer.Deserialize<StoredRollout>(document, Json)!;
}
