using System.Text.Json;
using Inspection.CloudInference.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.Models;

/// <summary>
/// Releases and their package files in the PostgreSQL database replicas share (<c>Storage/Migrations/0006_models.sql</c>):
/// the release's document and every file as <c>bytea</c>, inserted in one transaction, so a replica lists a release
/// only when it can serve all of its files. Packages are a few MB (at most <c>Cloud:Models:MaxPackageMegabytes</c>);
/// <c>bytea</c> keeps each file in its row with plain reads and writes and no large-object bookkeeping, which would
/// pay only for a single file over 1 GB, refused here (<see cref="MaxFileBytes"/>).
/// </summary>
public sealed class PostgreSqlModelTable(PostgreSqlDatabase database) : IModelTable
{
    private static readonly JsonSerializerOptions Json = new();

    public bool HoldsFiles => true;

    // PostgreSQL's limit for one field value is 1 GB; what a row's other fields and the protocol take is far below 1 MB.
    public long MaxFileBytes => (1024L * 1024 * 1024) - (1024 * 1024);

    public IReadOnlyList<RegisteredModel> List()
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM models ORDER BY release DESC", connection);
        using var reader = command.ExecuteReader();
        var models = new List<RegisteredModel>();
        while (reader.Read())
        {
            models.Add(Read(reader.GetString(0)));
        }

        return models;
    }

    public RegisteredModel? Find(long release)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM models WHERE release = @release", connection);
        command.Parameters.AddWithValue("release", release);
        return command.ExecuteScalar() is string document ? Read(document) : null;
    }

    public bool TryInsert(RegisteredModel model, IReadOnlyList<(string Path, byte[] Bytes)> files)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(files);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using (var insert = new NpgsqlCommand(
            "INSERT INTO models (release, document) VALUES (@release, @document) ON CONFLICT (release) DO NOTHING", connection, transaction))
        {
            insert.Parameters.AddWithValue("release", model.Id);
            insert.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(model, Json));
            if (insert.ExecuteNonQuery() != 1)
            {
                return false;
            }
        }

        foreach (var (path, bytes) in files)
        {
            using var file = new NpgsqlCommand("INSERT INTO model_files (release, path, bytes) VALUES (@release, @path, @bytes)", connection, transaction);
            file.Parameters.AddWithValue("release", model.Id);
            file.Parameters.AddWithValue("path", path);
            file.Parameters.AddWithValue("bytes", NpgsqlDbType.Bytea, bytes);
            file.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }

    public IReadOnlyList<(string Path, byte[] Bytes)>? Files(long release)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT path, bytes FROM model_files WHERE release = @release ORDER BY path", connection);
        command.Parameters.AddWithValue("release", release);
        using var reader = command.ExecuteReader();
        var files = new List<(string, byte[])>();
        while (reader.Read())
        {
            files.Add((reader.GetString(0), (byte[])reader[1]));
        }

        return files;
    }

    private static RegisteredModel Read(string document) => JsonSerializer.Deserialize<RegisteredModel>(document, Json)!;
}
