using Npgsql;

namespace Inspection.CloudInference.Storage;

/// <summary>
/// A run-once lease on a PostgreSQL session advisory lock (<c>pg_try_advisory_lock</c>), held on a connection of its
/// own outside the pool: a pooled connection would keep the lock after it is returned, and another command could be
/// run on it. The lock lives as long as the session: when the holder dies, or its connection is cut, the server ends
/// the session and the next replica to ask takes it over. Each <see cref="HoldAsync"/> checks a held session is still
/// alive, so a holder whose connection was cut stops at its next check.
/// </summary>
public sealed partial class PostgreSqlLease : IRunOnceLease, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly long _key;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _connection;
    private bool _held;

    /// <param name="connectionString">The shared database (Npgsql's form); pooling is turned off for this connection.</param>
    /// <param name="name">What the lease guards, for logs.</param>
    /// <param name="key">The advisory lock key (<see cref="AdvisoryLockKeys"/>).</param>
    /// <param name="logger">Where taking over and losing the lease are logged.</param>
    public PostgreSqlLease(string connectionString, string name, long key, ILogger logger)
    {
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = $"inspection-lease-{name}" }.ConnectionString;
        Name = name;
        _key = key;
        _logger = logger;
    }

    public string Name { get; }

    public async Task<bool> HoldAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_held)
            {
                // The lock is the session's: a session that still answers still holds it.
                if (await TryAsync("SELECT true", cancellationToken).ConfigureAwait(false) is true)
                {
                    return true;
                }

                _held = false;
                Log.Lost(_logger, Name);
                await DropConnectionAsync().ConfigureAwait(false);
                return false;
            }

            if (await TryAsync($"SELECT pg_try_advisory_lock({_key})", cancellationToken).ConfigureAwait(false) is true)
            {
                _held = true;
                Log.Taken(_logger, Name);
            }

            return _held;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the session releases its locks; no unlock round trip needed, nor one that could hang on a dead server.
        await DropConnectionAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private async Task<bool?> TryAsync(string sql, CancellationToken cancellationToken)
    {
        try
        {
            if (_connection is not { State: System.Data.ConnectionState.Open })
            {
                await DropConnectionAsync().ConfigureAwait(false);
                _connection = new NpgsqlConnection(_connectionString);
                await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var command = new NpgsqlCommand(sql, _connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as bool?;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            Log.Unreachable(_logger, Name, ex.Message);
            await DropConnectionAsync().ConfigureAwait(false);
            return null;
        }
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
            {
                // A connection the server already cut has nothing left to close.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1511, Level = LogLevel.Information, Message = "This replica now runs the {Lease} work (it holds the lease)")]
        public static partial void Taken(ILogger logger, string lease);

        [LoggerMessage(EventId = 1512, Level = LogLevel.Warning, Message = "This replica lost the {Lease} lease (its database session ended); another replica takes over")]
        public static partial void Lost(ILogger logger, string lease);

        [LoggerMessage(EventId = 1513, Level = LogLevel.Debug, Message = "The {Lease} lease could not be checked: {Reason}")]
        public static partial void Unreachable(ILogger logger, string lease, string reason);
    }
}
