using System.Data;
using System.Text.Json;
using Inspection.CloudInference.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.AgentReleases;

/// <summary>
/// Releases and their bundles in the PostgreSQL database replicas share (<c>Storage/Migrations/0007_agent_releases.sql</c>):
/// the release's document and the bundle as <c>bytea</c>, inserted in one transaction, so a replica lists a release
/// only when it can serve its bundle. Bundles are a few hundred MB: the bundle goes in as a file stream parameter and
/// comes out through <see cref="NpgsqlDataReader.GetStream(int)"/> with sequential access, so the cloud never holds
/// it in memory (the server does, once, while it takes or sends the value: PostgreSQL has no streaming for
/// <c>bytea</c>).
/// </summary>
public sealed class PostgreSqlAgentReleaseTable(PostgreSqlDatabase database) : IAgentReleaseTable
{
    private static readonly JsonSerializerOptions Json = new();

    public bool HoldsBundles => true;

    // PostgreSQL's limit for one field value is 1 GB; what a row's other fields and the protocol take is far below 1 MB.
    public long MaxBundleBytes => (1024L * 1024 * 1024) - (1024 * 1024);

    public IReadOnlyList<AgentRelease> List()
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM agent_releases", connection);
        using var reader = command.ExecuteReader();
        var releases = new List<AgentRelease>();
        while (reader.Read())
        {
            releases.Add(Read(reader.GetString(0)));
        }

        return releases;
    }

    public AgentRelease? Find(string version)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("SELECT document FROM agent_releases WHERE version = @version", connection);
        command.Parameters.AddWithValue("version", version);
        return command.ExecuteScalar() is string document ? Read(document) : null;
    }

    public async Task<bool> TryInsertAsync(AgentRelease release, string bundlePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The document first: a second replica inserting the same version waits here for this transaction and then
        // inserts nothing, before it sends its own copy of the bundle.
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO agent_releases (version, document) VALUES (@version, @document) ON CONFLICT (version) DO NOTHING", connection, transaction))
        {
            insert.Parameters.AddWithValue("version", release.Version);
            insert.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(release, Json));
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        // A seekable stream is sent in chunks, its length known up front: the bundle is never in memory whole.
        await using (var file = new FileStream(bundlePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true))
        await using (var bundle = new NpgsqlCommand("INSERT INTO agent_release_bundles (version, bundle) VALUES (@version, @bundle)", connection, transaction))
        {
            // How long a few hundred MB take depends on the network, not on the server: the request's cancellation bounds it.
            bundle.CommandTimeout = 0;
            bundle.Parameters.AddWithValue("version", release.Version);
            bundle.Parameters.Add(new NpgsqlParameter("bundle", NpgsqlDbType.Bytea) { Value = file });
            await bundle.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> CopyBundleAsync(string version, Stream target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT bundle FROM agent_release_bundles WHERE version = @version", connection);
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue("version", version);

        // Sequential access: the column is read from the network as it is copied, not buffered as a row first.
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await using var bundle = await reader.GetStreamAsync(0, cancellationToken).ConfigureAwait(false);
        await bundle.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static AgentRelease Read(string document) => JsonSerializer.Deserialize<AgentRelease>(document, Json)!;
}
