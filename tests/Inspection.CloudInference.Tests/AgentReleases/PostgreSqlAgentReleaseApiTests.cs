using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests.AgentReleases;

/// <summary>Agent releases with their records and bundles in a real PostgreSQL.</summary>
public sealed class PostgreSqlAgentReleaseApiTests(PostgreSqlServer server) : AgentReleaseApiTests, IClassFixture<PostgreSqlServer>
{
    private string? _connectionString;

    protected override async Task<IReadOnlyList<string>> StorageArgumentsAsync()
    {
        _connectionString ??= await server.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        return ["--Cloud:StorageProvider=postgresql", $"--Cloud:PostgreSqlConnectionString={_connectionString}"];
    }
}
