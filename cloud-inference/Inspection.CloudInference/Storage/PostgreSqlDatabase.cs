using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inspection.CloudInference.Storage;

/// <summary>
/// The PostgreSQL database the cloud's replicas share (<c>Cloud:StorageProvider=postgresql</c>): one pooled data
/// source for the stores, and the server's address in words for messages. Opening it does not connect; the schema is
/// migrated, and the server so first reached, by <see cref="PostgreSqlStartup"/> before anything is served.
/// </summary>
public sealed class PostgreSqlDatabase : IDisposable
{
    public PostgreSqlDatabase(IOptions<CloudOptions> options)
        : this(options.Value.PostgreSqlConnectionString
            ?? throw new InvalidOperationException(StorageProviders.CheckConnectionString(null)))
    {
    }

    /// <summary>A database at <paramref name="connectionString"/> (Npgsql's form).</summary>
    public PostgreSqlDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Endpoint = $"{builder.Host}:{builder.Port}/{builder.Database}";
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>Server, port and database, e.g. <c>db:5432/inspection</c>: what messages name (never the password).</summary>
    public string Endpoint { get; }

    /// <summary>The connection string as configured: for the connections that must not come from the pool.</summary>
    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>A pooled connection, open.</summary>
    public NpgsqlConnection Open() => DataSource.OpenConnection();

    /// <summary>
    /// Why the server could not be used, in one line for whoever runs the cloud: which server, and the reason the
    /// network or the server gave (refused, unknown host, timed out, no such database, wrong password).
    /// </summary>
    public string Describe(Exception exception)
    {
        var reason = exception switch
        {
            PostgresException postgres => postgres.MessageText,
            NpgsqlException { InnerException: SocketException socket } => socket.Message,
            NpgsqlException { InnerException: TimeoutException } => "no answer within the connection timeout",
            _ => exception.InnerException?.Message ?? exception.Message,
        };
        return $"the PostgreSQL server at {Endpoint} (Cloud:PostgreSqlConnectionString) cannot be used: {reason}";
    }

    /// <summary>
    /// Null when the database answers a query now; otherwise why not, naming the server. What the readiness check and
    /// <c>/healthz</c> ask, so edges stop sending to a replica that cannot store what they send.
    /// </summary>
    public string? Problem()
    {
        try
        {
            using var command = DataSource.CreateCommand("SELECT 1");
            command.ExecuteScalar();
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return Describe(ex);
        }
    }

    public void Dispose() => DataSource.Dispose();
}
