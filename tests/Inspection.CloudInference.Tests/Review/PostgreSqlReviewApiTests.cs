using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>The review API with the cloud on a real PostgreSQL: reviews, leases, audit and verdicts in the shared database.</summary>
public sealed class PostgreSqlReviewApiTests(PostgreSqlServer server) : ReviewApiTests, IClassFixture<PostgreSqlServer>
{
    private string? _connectionString;

    protected override async Task<IReadOnlyList<string>> StorageArgumentsAsync()
    {
        // One database per test, kept across the test's restarts of the cloud.
        _connectionString ??= await server.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        return ["--Cloud:StorageProvider=postgresql", $"--Cloud:PostgreSqlConnectionString={_connectionString}"];
    }
}
