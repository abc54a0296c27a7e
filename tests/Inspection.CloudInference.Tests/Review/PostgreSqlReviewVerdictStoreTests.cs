using Inspection.CloudInference.Review;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using static Inspection.CloudInference.Tests.Review.ReviewVerdictDeliveryTests;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>
/// The verdict store on a real PostgreSQL, and what only a shared database must do: two replicas storing verdicts for
/// one device at once number them 1, 2, 3… without a gap or a number issued twice, and store the same review once.
/// </summary>
public sealed class PostgreSqlReviewVerdictStoreTests(PostgreSqlServer server) : ReviewVerdictStoreTests, IClassFixture<PostgreSqlServer>, IDisposable
{
    private readonly List<PostgreSqlDatabase> _databases = [];

    public void Dispose()
    {
        foreach (var database in _databases)
        {
            database.Dispose();
        }
    }

    [Fact]
    public async Task Add_TwoReplicasAtOnce_NumbersGapFreeAndEachReviewStoredOnce()
    {
        var connectionString = await server.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        ReviewVerdictStore[] replicas = [await OpenAsync(connectionString), await OpenAsync(connectionString)];
        const int Reviews = 100;

        // Each review is handed to both replicas, on many threads: each must become one verdict with one number.
        var attempts = Enumerable.Range(1, Reviews).SelectMany(i => new[] { (Replica: 0, Part: i), (Replica: 1, Part: i) }).ToArray();
        var added = 0;
        await Parallel.ForEachAsync(attempts, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, (attempt, _) =>
        {
            replicas[attempt.Replica].Add(Reviewed(attempt.Part, "accept"), Now.AddSeconds(attempt.Part), out var stored);
            if (stored)
            {
                Interlocked.Increment(ref added);
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(Reviews, added);
        Assert.Equal(Reviews, replicas[0].Issued(DeviceId));
        Assert.Equal(Enumerable.Range(1, Reviews).Select(n => (long)n), replicas[1].Pending(Reviews + 1).Select(v => v.Number).Order());
    }

    protected override async Task<ReviewVerdictStore> CreateStoreAsync() =>
        await OpenAsync(await server.CreateDatabaseAsync(TestContext.Current.CancellationToken));

    private async Task<ReviewVerdictStore> OpenAsync(string connectionString)
    {
        var database = new PostgreSqlDatabase(connectionString);
        _databases.Add(database);
        await PostgreSqlMigrations.ApplyAsync(database.DataSource, TestContext.Current.CancellationToken);
        return new ReviewVerdictStore(new PostgreSqlReviewVerdictTable(database));
    }
}
