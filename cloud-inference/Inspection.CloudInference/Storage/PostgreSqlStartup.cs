using Inspection.CloudInference.AgentReleases;
using Inspection.CloudInference.Models;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inspection.CloudInference.Storage;

/// <summary>
/// First thing the cloud does on PostgreSQL: reaches the server and brings its schema up to date, before the broker,
/// the model or the endpoints start. A server that cannot be reached stops the start with one line naming it and why.
/// </summary>
public sealed partial class PostgreSqlStartup(
    PostgreSqlDatabase database,
    IOptions<ModelRegistryOptions> models,
    IOptions<AgentReleaseOptions> agents,
    IHostEnvironment environment,
    ILogger<PostgreSqlStartup> logger) : IHostedService
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
        Log.Shared(
            logger,
            Path.GetFullPath(models.Value.StoragePath, environment.ContentRootPath),
            Path.GetFullPath(agents.Value.StoragePath, environment.ContentRootPath));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Cloud database on PostgreSQL at {Endpoint}, schema version {Version} ({Applied} migrations applied now)")]
        public static partial void Ready(ILogger logger, string endpoint, int version, int applied);

        [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "Reviews, their verdicts, the model registry's releases with their package files and the agent releases with their bundles are in the shared database too: review and upload on any replica. {ModelsPath} and {AgentReleasesPath} hold only this replica's copies of the package files and bundles, written from the database on first use")]
        public static partial void Shared(ILogger logger, string modelsPath, string agentReleasesPath);

        // The exception at debug only: the start's one line already says which server and why.
        [LoggerMessage(EventId = 1502, Level = LogLevel.Debug, Message = "PostgreSQL at {Endpoint} could not be reached")]
        public static partial void Unreachable(ILogger logger, string endpoint, Exception exception);
    }
}
