using System.Text.Json;
using Inspection.CloudInference.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Reviewed verdicts in the PostgreSQL database replicas share (<c>Storage/Migrations/0005_reviews.sql</c>). A number is
/// issued by incrementing the device's counter row, which holds the row lock until the verdict is inserted in the same
/// transaction: two replicas storing verdicts for one device at once take turns, and the same review stored on both
/// (its id derives from the review) is inserted once, the loser's transaction rolled back with its number unused.
/// </summary>
public sealed class PostgreSqlReviewVerdictTable(PostgreSqlDatabase database) : IReviewVerdictTable
{
    private const string Columns = "SELECT document FROM review_verdicts";
    private static readonly JsonSerializerOptions Json = new();

    public ReviewVerdictRecord? Find(string id)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand($"{Columns} WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return command.ExecuteScalar() is string document ? Read(document) : null;
    }

    public bool TryInsertNumbered(ReviewVerdictRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (Find(record.Id) is not null)
        {
            return false;
        }

        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using (var number = new NpgsqlCommand(
            "INSERT INTO review_verdict_numbers (device_id, last) VALUES (@device, 1) "
            + "ON CONFLICT (device_id) DO UPDATE SET last = review_verdict_numbers.last + 1 RETURNING last",
            connection,
            transaction))
        {
            number.Parameters.AddWithValue("device", record.DeviceId);
            record.Number = (long)number.ExecuteScalar()!;
        }

        using (var insert = new NpgsqlCommand(
            "INSERT INTO review_verdicts (id, device_id, number, sent, confirmed, created_ticks, document) "
            + "VALUES (@id, @device, @number, @sent, @confirmed, @created, @document) ON CONFLICT (id) DO NOTHING",
            connection,
            transaction))
        {
            Bind(insert, record);
            if (insert.ExecuteNonQuery() != 1)
            {
                // Stored by another replica meanwhile: its number stands, this one is given back.
                transaction.Rollback();
                record.Number = 0;
                return false;
            }
        }

        transaction.Commit();
        return true;
    }

    public List<ReviewVerdictRecord> Pending(int max) =>
        Query($"{Columns} WHERE NOT sent AND NOT confirmed ORDER BY created_ticks, device_id, number LIMIT @max", c => c.Parameters.AddWithValue("max", max));

    public int CountPending() => Count("SELECT count(*) FROM review_verdicts WHERE NOT sent AND NOT confirmed");

    public List<ReviewVerdictRecord> Unconfirmed(int max) =>
        Query($"{Columns} WHERE sent AND NOT confirmed ORDER BY created_ticks, device_id, number LIMIT @max", c => c.Parameters.AddWithValue("max", max));

    public int CountUnconfirmed() => Count("SELECT count(*) FROM review_verdicts WHERE NOT confirmed");

    public List<ReviewVerdictRecord> AllUnconfirmed() => Query($"{Columns} WHERE NOT confirmed", null);

    public IReadOnlyDictionary<string, long> IssuedPerDevice()
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT device_id, last FROM review_verdict_numbers", connection);
        using var reader = command.ExecuteReader();
        var issued = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            issued[reader.GetString(0)] = reader.GetInt64(1);
        }

        return issued;
    }

    public long Issued(string deviceId)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT last FROM review_verdict_numbers WHERE device_id = @device", connection);
        command.Parameters.AddWithValue("device", deviceId);
        return command.ExecuteScalar() is long last ? last : 0;
    }

    public int Confirm(string deviceId, long through, DateTimeOffset now) =>
        Change(
            "WHERE device_id = @device AND NOT confirmed AND number <= @through",
            c =>
            {
                c.Parameters.AddWithValue("device", deviceId);
                c.Parameters.AddWithValue("through", through);
            },
            record =>
            {
                record.Confirmed = true;
                record.ConfirmedAt = now;
                record.Sent = true;
                record.SentAt ??= now;
            });

    public void Published(string id, DateTimeOffset at, bool acknowledged) =>
        Change(
            "WHERE id = @id",
            c => c.Parameters.AddWithValue("id", id),
            record =>
            {
                record.Attempts++;
                record.LastPublishedAt = at;
                if (acknowledged && !record.Sent)
                {
                    record.Sent = true;
                    record.SentAt = at;
                }
            });

    // Read, change and write back under row locks (FOR UPDATE), so two replicas noting the same verdict do not lose a change.
    private int Change(string where, Action<NpgsqlCommand> bind, Action<ReviewVerdictRecord> change)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var records = new List<ReviewVerdictRecord>();
        using (var select = new NpgsqlCommand($"{Columns} {where} FOR UPDATE", connection, transaction))
        {
            bind(select);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                records.Add(Read(reader.GetString(0)));
            }
        }

        foreach (var record in records)
        {
            change(record);
            using var update = new NpgsqlCommand(
                "UPDATE review_verdicts SET sent = @sent, confirmed = @confirmed, document = @document WHERE id = @id",
                connection,
                transaction);
            Bind(update, record);
            update.ExecuteNonQuery();
        }

        transaction.Commit();
        return records.Count;
    }

    private static void Bind(NpgsqlCommand command, ReviewVerdictRecord record)
    {
        command.Parameters.AddWithValue("id", record.Id);
        command.Parameters.AddWithValue("device", record.DeviceId);
        command.Parameters.AddWithValue("number", record.Number);
        command.Parameters.AddWithValue("sent", record.Sent);
        command.Parameters.AddWithValue("confirmed", record.Confirmed);
        command.Parameters.AddWithValue("created", record.CreatedAt.UtcTicks);
        command.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(record, Json));
    }

    private List<ReviewVerdictRecord> Query(string sql, Action<NpgsqlCommand>? bind)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        bind?.Invoke(command);
        using var reader = command.ExecuteReader();
        var records = new List<ReviewVerdictRecord>();
        while (reader.Read())
        {
            records.Add(Read(reader.GetString(0)));
        }

        return records;
    }

    private int Count(string sql)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (int)(long)command.ExecuteScalar()!;
    }

    private static ReviewVerdictRecord Read(string document) => JsonSerializer.Deserialize<ReviewVerdictRecord>(document, Json)!;
}
