using Npgsql;

namespace Inspection.CloudInference.Storage;

/// <summary>
/// First thing the cloud does on PostgreSQL: reaches the server and brings its schema up to date, before the broker,
/// the model or the endpoints start. A server that cannot be reached stops the start with one line naming it and why.
/// </summary>
public sealed partial class PostgreSqlStartup(PostgreSqlDatabase database, CloudDatabase file, ILogger<PostgreSqlStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<int> applied;
        try
        {
            applied = await PostgreSqlMigrations.ApplyAsync(database.DataSource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            Log.Unreachable(logger, database.Endpoint, ex);
            throw new InvalidOperationException(database.Describe(ex), ex);
        }

        Log.Ready(logger, database.Endpoint, PostgreSqlMigrations.All.Count == 0 ? 0 : PostgreSqlMigrations.All[^1].Version, applied.Count);
        Log.StillInTheFile(logger, file.FilePath);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Cloud database on PostgreSQL at {Endpoint}, schema version {Version} ({Applied} migrations applied now)")]
        public static partial void Ready(ILogger logger, string endpoint, int version, int applied);

        [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "The model registry and reviews stay in this replica's own file {Path}: with several replicas, upload each model to every replica and review on one of them")]
        public static partial void StillInTheFile(ILogger logger, string path);

        // The exception at debug only: the start's one line already says which server and why.
        [LoggerMessage(EventId = 1502, Level = LogLevel.Debug, Message = "PostgreSQL at {Endpoint} could not be reached")]
        public static partial void Unreachable(ILogger logger, string endpoint, Exception exception);
    }
}
