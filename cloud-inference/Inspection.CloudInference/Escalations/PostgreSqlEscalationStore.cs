using System.Text.Json;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Api;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Escalations, frames, refused frames and the totals in a PostgreSQL database shared by several cloud replicas
/// (schema: <c>Storage/Migrations/0001_escalations.sql</c>). An escalation is inserted with
/// <c>ON CONFLICT (key) DO NOTHING</c> in one transaction with its frames: of two replicas storing the same key at the
/// same moment, one writes and the other is told it is a duplicate. The record is a JSON document; the JPEGs are
/// <c>bytea</c> rows of their own. Calls are synchronous, as the LiteDB store's are, so the gRPC path is the same on either.
/// </summary>
public sealed class PostgreSqlEscalationStore : IEscalationStore
{
    private const string DuplicatesCounter = "duplicates-answered";
    private const string RefusedCounter = "frames-refused";
    private const string Columns = "document";

    private static readonly JsonSerializerOptions Json = new();

    private readonly PostgreSqlDatabase _database;
    private readonly RejectedFrameOptions _rejectedOptions;

    public PostgreSqlEscalationStore(PostgreSqlDatabase database, IOptions<RejectedFrameOptions> rejectedOptions)
    {
        _database = database;
        _rejectedOptions = rejectedOptions.Value;
    }

    public Disagreement DisagreementOf(string deviceId, long release, DateTimeOffset? since) =>
        EscalationTotals.DisagreementOver(
            Query($"SELECT {Columns} FROM escalations WHERE device_id = @device AND edge_model_release = @release AND received_ticks >= @from", c =>
            {
                c.Parameters.AddWithValue("device", deviceId);
                c.Parameters.AddWithValue("release", release);
                c.Parameters.AddWithValue("from", since?.UtcTicks ?? 0);
            }),
            release,
            since?.UtcTicks ?? 0);

    public StoredEscalation? Find(string deviceId, ulong sequence) => Find(StoredEscalation.KeyOf(deviceId, sequence));

    public StoredEscalation? Find(string key) =>
        Query($"SELECT {Columns} FROM escalations WHERE key = @key", c => c.Parameters.AddWithValue("key", key)).SingleOrDefault();

    public IReadOnlyList<StoredEscalation> FindUncertain() =>
        Query($"SELECT {Columns} FROM escalations WHERE verdict = @verdict", c => c.Parameters.AddWithValue("verdict", Verdicts.Uncertain));

    public IEnumerable<StoredEscalation> FindAll() => Query($"SELECT {Columns} FROM escalations ORDER BY key", static _ => { });

    public IReadOnlyList<StoredEscalation> FindReceived(DateTimeOffset from, DateTimeOffset to) =>
        Query($"SELECT {Columns} FROM escalations WHERE received_ticks >= @from AND received_ticks < @to", c =>
        {
            c.Parameters.AddWithValue("from", from.UtcTicks);
            c.Parameters.AddWithValue("to", to.UtcTicks);
        });

    public bool TryAdd(StoredEscalation escalation, IReadOnlyList<(string Key, byte[] Jpeg)> frames)
    {
        ArgumentNullException.ThrowIfNull(escalation);
        ArgumentNullException.ThrowIfNull(frames);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using (var insert = new NpgsqlCommand(
            """
            INSERT INTO escalations (key, device_id, received_ticks, verdict, edge_model_release, is_part, document)
            VALUES (@key, @device, @received, @verdict, @release, @part, @document)
            ON CONFLICT (key) DO NOTHING
            """,
            connection,
            transaction))
        {
            insert.Parameters.AddWithValue("key", escalation.Key);
            insert.Parameters.AddWithValue("device", escalation.DeviceId);
            insert.Parameters.AddWithValue("received", escalation.ReceivedTicks);
            insert.Parameters.AddWithValue("verdict", escalation.Verdict);
            insert.Parameters.AddWithValue("release", escalation.EdgeModelRelease);
            insert.Parameters.AddWithValue("part", escalation.Part is not null);
            insert.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(escalation, Json));

            // A concurrent insert of the same key waits for the other transaction here, then finds the row: 0.
            if (insert.ExecuteNonQuery() == 0)
            {
                transaction.Rollback();
                return false;
            }
        }

        if (frames.Count > 0)
        {
            using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var (key, jpeg) in frames)
            {
                var command = new NpgsqlBatchCommand("INSERT INTO frames (key, jpeg) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET jpeg = EXCLUDED.jpeg");
                command.Parameters.Add(new NpgsqlParameter { Value = key });
                command.Parameters.Add(new NpgsqlParameter { Value = jpeg, NpgsqlDbType = NpgsqlDbType.Bytea });
                batch.BatchCommands.Add(command);
            }

            batch.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }

    public RejectedFrame AddRejected(
        string? deviceId, ulong? sequence, string lineId, RefusalKind kind, string error, ReadOnlySpan<byte> jpeg, string peer, DateTimeOffset at)
    {
        var id = EscalationTotals.RejectedId(kind, deviceId, sequence);
        var record = new RejectedFrame
        {
            Id = id,
            DeviceId = Printable.Cut(deviceId, RejectedFrame.MaxIdLength),
            Sequence = sequence,
            Kind = kind,
            LineId = Printable.Cut(lineId, RejectedFrame.MaxIdLength),
            Error = Printable.Cut(error, RejectedFrame.MaxErrorLength),
            JpegBytes = jpeg.Length,
            Sample = jpeg[..Math.Min(jpeg.Length, _rejectedOptions.MaxStoredBytes)].ToArray(),
            Peer = Printable.Cut(peer, RejectedFrame.MaxIdLength),
            FirstSeen = at,
            LastSeen = at,
            LastSeenTicks = at.UtcTicks,
        };

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        bool inserted;
        using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO refused_frames (id, device_id, sequence, line_id, kind, error, jpeg_bytes, sample, peer, first_seen, last_seen, last_seen_ticks, count)
            VALUES (@id, @device, @sequence, @line, @kind, @error, @bytes, @sample, @peer, @at, @at, @ticks, 1)
            ON CONFLICT (id) DO UPDATE SET line_id = EXCLUDED.line_id, error = EXCLUDED.error, jpeg_bytes = EXCLUDED.jpeg_bytes,
                sample = EXCLUDED.sample, peer = EXCLUDED.peer, last_seen = EXCLUDED.last_seen,
                last_seen_ticks = EXCLUDED.last_seen_ticks, count = refused_frames.count + 1
            RETURNING first_seen, count, (xmax = 0) AS inserted
            """,
            connection,
            transaction))
        {
            upsert.Parameters.AddWithValue("id", id);
            upsert.Parameters.AddWithValue("device", record.DeviceId);
            upsert.Parameters.Add(new NpgsqlParameter("sequence", NpgsqlDbType.Numeric) { Value = (object?)record.Sequence ?? DBNull.Value });
            upsert.Parameters.AddWithValue("line", record.LineId);
            upsert.Parameters.AddWithValue("kind", (int)kind);
            upsert.Parameters.AddWithValue("error", record.Error);
            upsert.Parameters.AddWithValue("bytes", record.JpegBytes);
            upsert.Parameters.AddWithValue("sample", NpgsqlDbType.Bytea, record.Sample);
            upsert.Parameters.AddWithValue("peer", record.Peer);
            upsert.Parameters.AddWithValue("at", at.ToUniversalTime());
            upsert.Parameters.AddWithValue("ticks", at.UtcTicks);
            using var reader = upsert.ExecuteReader();
            reader.Read();
            record.FirstSeen = reader.GetFieldValue<DateTimeOffset>(0);
            record.Count = reader.GetInt64(1);
            inserted = reader.GetBoolean(2);
        }

        AddToCounter(connection, transaction, RefusedCounter);
        if (inserted)
        {
            using var prune = new NpgsqlCommand(
                """
                DELETE FROM refused_frames WHERE id IN (
                    SELECT id FROM refused_frames ORDER BY last_seen_ticks
                    LIMIT greatest((SELECT count(*) FROM refused_frames) - @max, 0))
                """,
                connection,
                transaction);
            prune.Parameters.AddWithValue("max", (long)_rejectedOptions.MaxRecords);
            prune.ExecuteNonQuery();
        }

        transaction.Commit();
        return record;
    }

    public void CountDuplicate()
    {
        using var connection = _database.Open();
        AddToCounter(connection, null, DuplicatesCounter);
    }

    public byte[]? FindJpeg(string deviceId, ulong sequence)
    {
        var key = StoredEscalation.KeyOf(deviceId, sequence);
        if (FrameOf(key) is { } jpeg)
        {
            return jpeg;
        }

        return Find(key)?.Part is { Frames: [var first, ..] } part
            ? FrameOf(StoredPart.FrameKeyOf(deviceId, part.PartId, first.Sequence))
            : null;
    }

    public byte[]? FindPartFrameJpeg(string deviceId, long partId, long frameSequence) =>
        FrameOf(StoredPart.FrameKeyOf(deviceId, partId, frameSequence));

    public IReadOnlyList<StoredEscalation> Latest(int limit) =>
        Query($"SELECT {Columns} FROM escalations ORDER BY received_ticks DESC LIMIT @limit", c => c.Parameters.AddWithValue("limit", Math.Max(limit, 0)));

    public PartSummary PartSummary() =>
        EscalationTotals.PartSummaryOver(
            Query($"SELECT {Columns} FROM escalations WHERE is_part", static _ => { }).Select(e => (e.Verdict, e.Part!)));

    public IReadOnlyList<RejectedFrame> LatestRejected(int limit)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand(
            """
            SELECT id, device_id, sequence, line_id, kind, error, jpeg_bytes, sample, peer, first_seen, last_seen, last_seen_ticks, count
            FROM refused_frames ORDER BY last_seen_ticks DESC LIMIT @limit
            """,
            connection);
        command.Parameters.AddWithValue("limit", Math.Max(limit, 0));
        using var reader = command.ExecuteReader();
        var records = new List<RejectedFrame>();
        while (reader.Read())
        {
            records.Add(new RejectedFrame
            {
                Id = reader.GetString(0),
                DeviceId = reader.GetString(1),
                Sequence = reader.IsDBNull(2) ? null : reader.GetDecimal(2),
                LineId = reader.GetString(3),
                Kind = (RefusalKind)reader.GetInt32(4),
                Error = reader.GetString(5),
                JpegBytes = reader.GetInt64(6),
                Sample = reader.GetFieldValue<byte[]>(7),
                Peer = reader.GetString(8),
                FirstSeen = reader.GetFieldValue<DateTimeOffset>(9),
                LastSeen = reader.GetFieldValue<DateTimeOffset>(10),
                LastSeenTicks = reader.GetInt64(11),
                Count = reader.GetInt64(12),
            });
        }

        return records;
    }

    public EscalationSummary Summary()
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand(
            """
            SELECT count(*),
                   (SELECT value FROM counters WHERE name = @duplicates),
                   (SELECT value FROM counters WHERE name = @refused),
                   count(*) FILTER (WHERE verdict = @pass),
                   count(*) FILTER (WHERE verdict = @defect),
                   count(*) FILTER (WHERE verdict = @uncertain)
            FROM escalations
            """,
            connection);
        command.Parameters.AddWithValue("duplicates", DuplicatesCounter);
        command.Parameters.AddWithValue("refused", RefusedCounter);
        command.Parameters.AddWithValue("pass", Verdicts.Pass);
        command.Parameters.AddWithValue("defect", Verdicts.Defect);
        command.Parameters.AddWithValue("uncertain", Verdicts.Uncertain);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new EscalationSummary(
            EscalationsStored: reader.GetInt64(0),
            DuplicatesAnswered: reader.IsDBNull(1) ? 0 : reader.GetInt64(1),
            Rejected: reader.IsDBNull(2) ? 0 : reader.GetInt64(2),
            Pass: reader.GetInt64(3),
            Defect: reader.GetInt64(4),
            Uncertain: reader.GetInt64(5));
    }

    // One statement: the database adds, so replicas counting at once never lose a count.
    private static void AddToCounter(NpgsqlConnection connection, NpgsqlTransaction? transaction, string name)
    {
        using var command = new NpgsqlCommand(
            "INSERT INTO counters (name, value) VALUES (@name, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
            connection,
            transaction);
        command.Parameters.AddWithValue("name", name);
        command.ExecuteNonQuery();
    }

    private byte[]? FrameOf(string key)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand("SELECT jpeg FROM frames WHERE key = @key", connection);
        command.Parameters.AddWithValue("key", key);
        return command.ExecuteScalar() as byte[];
    }

    private List<StoredEscalation> Query(string sql, Action<NpgsqlCommand> bind)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        bind(command);
        using var reader = command.ExecuteReader();
        var escalations = new List<StoredEscalation>();
        while (reader.Read())
        {
            escalations.Add(JsonSerializer.Deserialize<StoredEscalation>(reader.GetString(0), Json)!);
        }

        return escalations;
    }
}
