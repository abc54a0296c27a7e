using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>
/// The escalation store contract on a real PostgreSQL, and what only a shared database must do: two replicas storing
/// the same key at the same moment store it once.
/// </summary>
public sealed class PostgreSqlEscalationStoreTests(PostgreSqlServer server) : EscalationStoreContractTests, IClassFixture<PostgreSqlServer>, IDisposable
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
    public async Task TryAdd_TwoReplicasStoreTheSameKeysConcurrently_EachStoredOnceAndTheOtherToldDuplicate()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var (first, second) = (await OpenAsync(connectionString, new RejectedFrameOptions()), await OpenAsync(connectionString, new RejectedFrameOptions()));
        const int Keys = 200;

        // Each replica tries every key, on many threads: every key must be won exactly once.
        var attempts = Enumerable.Range(1, Keys).SelectMany(i => new[] { (first, i), (second, i) }).ToArray();
        var won = new int[Keys + 1];
        await Parallel.ForEachAsync(attempts, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, (attempt, _) =>
        {
            var (store, i) = attempt;
            if (store.TryAdd(Escalation("cam-9", (ulong)i, Verdicts.Pass, T0), [(byte)i]))
            {
                Interlocked.Increment(ref won[i]);
            }

            return ValueTask.CompletedTask;
        });

        Assert.All(won.Skip(1), count => Assert.Equal(1, count));
        Assert.Equal(Keys, first.Summary().EscalationsStored);
        Assert.Equal(Keys, second.FindAll().Count());
        Assert.Equal(new byte[] { 77 }, second.FindJpeg("cam-9", 77));
    }

    [Fact]
    public async Task CountDuplicate_TwoReplicasConcurrently_NoCountLost()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var stores = new[] { await OpenAsync(connectionString, new RejectedFrameOptions()), await OpenAsync(connectionString, new RejectedFrameOptions()) };

        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, (i, _) =>
        {
            stores[i % 2].CountDuplicate();
            return ValueTask.CompletedTask;
        });

        Assert.Equal(400, stores[0].Summary().DuplicatesAnswered);
    }

    protected override async Task<IEscalationStore> CreateStoreAsync(RejectedFrameOptions options) =>
        await OpenAsync(await server.CreateDatabaseAsync(TestContext.Current.CancellationToken), options);

    // One replica's view of the database: its own pool, as another process would have.
    private async Task<IEscalationStore> OpenAsync(string connectionString, RejectedFrameOptions options)
    {
        var database = new PostgreSqlDatabase(connectionString);
        _databases.Add(database);
        await PostgreSqlMigrations.ApplyAsync(database.DataSource, TestContext.Current.CancellationToken);
        return new PostgreSqlEscalationStore(database, Options.Create(options));
    }
}
