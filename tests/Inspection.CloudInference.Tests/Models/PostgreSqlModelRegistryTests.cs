using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests.Models;

/// <summary>The model registry with its records and package files in a real PostgreSQL.</summary>
public sealed class PostgreSqlModelRegistryTests(PostgreSqlServer server) : ModelRegistryTests, IClassFixture<PostgreSqlServer>
{
    private string? _connectionString;

    protected override async Task<IReadOnlyList<string>> StorageArgumentsAsync()
    {
        // One database per test, kept across the test's restarts of the cloud.
        _connectionString ??= await server.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        return ["--Cloud:StorageProvider=postgresql", $"--Cloud:PostgreSqlConnectionString={_connectionString}"];
    }
}
