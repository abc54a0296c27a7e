using System.Text.Json;
using Inspection.CloudInference.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// Desired states in the PostgreSQL database replicas share (<c>Storage/Migrations/0002_desired_states.sql</c>).
/// Optimistic concurrency in the database: a first version is inserted with <c>ON CONFLICT DO NOTHING</c>, a later one
/// with <c>UPDATE … WHERE version = @expected</c>; a writer that finds no row changed lost the race and retries.
/// </summary>
public sealed class PostgreSqlDesiredStateTable(PostgreSqlDatabase database) : IDesiredStateTable
{
    private static readonly JsonSerializerOptions Json = new();

    public StoredDesiredState? Find(string deviceId)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM desired_states WHERE device_id = @device", connection);
        command.Parameters.AddWithValue("device", deviceId);
        return command.ExecuteScalar() is string document ? Read(document) : null;
    }

    public IReadOnlyList<StoredDesiredState> All()
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM desired_states", connection);
        using var reader = command.ExecuteReader();
        var states = new List<StoredDesiredState>();
        while (reader.Read())
        {
            states.Add(Read(reader.GetString(0)));
        }

        return states;
    }

    public bool TryWrite(StoredDesiredState next, long? expectedVersion)
    {
        ArgumentNullException.ThrowIfNull(next);
        using var connection = database.Open();
        using var command = new NpgsqlCommand(
            expectedVersion is null
                ? "INSERT INTO desired_states (device_id, version, document) VALUES (@device, @version, @document) ON CONFLICT (device_id) DO NOTHING"
                : "UPDATE desired_states SET version = @version, document = @document WHERE device_id = @device AND version = @expected",
            connection);
        command.Parameters.AddWithValue("device", next.DeviceId);
        command.Parameters.AddWithValue("version", next.Version);
        command.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(next, Json));
        command.Parameters.AddWithValue("expected", expectedVersion ?? 0);
        return command.ExecuteNonQuery() == 1;
    }

    private static StoredDesiredState Read(string document) => JsonSerializer.Deserialize<StoredDesiredState>(document, Json)!;
}
