using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Npgsql;

namespace Inspection.CloudInference.Tests.Storage;

public sealed class PostgreSqlMigrationsTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>
{
    [Fact]
    public void All_EmbeddedScripts_NumberedFromOneWithoutGaps()
    {
        Assert.Equal(Enumerable.Range(1, PostgreSqlMigrations.All.Count), PostgreSqlMigrations.All.Select(m => m.Version));
        Assert.Contains(PostgreSqlMigrations.All, m => m.Sql.Contains("CREATE TABLE escalations", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApplyAsync_FreshDatabaseThenAgain_AppliesEveryMigrationOnceThenNothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync(cancellationToken));

        var first = await PostgreSqlMigrations.ApplyAsync(dataSource, cancellationToken);
        var second = await PostgreSqlMigrations.ApplyAsync(dataSource, cancellationToken);

        Assert.Equal(PostgreSqlMigrations.All.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(first, await RecordedAsync(dataSource, cancellationToken));
    }

    [Fact]
    public async Task ApplyAsync_FourReplicasStartingTogether_EachMigrationAppliedByExactlyOne()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var replicas = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            var applied = await Task.WhenAll(replicas.Select(r => Task.Run(() => PostgreSqlMigrations.ApplyAsync(r, cancellationToken), cancellationToken)));

            Assert.Equal(PostgreSqlMigrations.All.Select(m => m.Version), applied.SelectMany(a => a).Order());
            Assert.Equal(PostgreSqlMigrations.All.Select(m => m.Version), await RecordedAsync(replicas[0], cancellationToken));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ApplyAsync_DatabaseAtAnOlderVersion_AppliesOnlyTheNewerMigrations()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync(cancellationToken));
        await PostgreSqlMigrations.ApplyAsync(dataSource, cancellationToken);

        // As a database written by the release that had only the escalations would be.
        await using (var undo = dataSource.CreateCommand("DROP TABLE agent_release_bundles, agent_releases, model_files, models, review_verdicts, review_verdict_numbers, review_audit, reviews, account_tokens, accounts, rollouts, desired_states; DELETE FROM schema_migrations WHERE version > 1"))
        {
            await undo.ExecuteNonQueryAsync(cancellationToken);
        }

        Assert.Equal([.. PostgreSqlMigrations.All.Select(m => m.Version).Where(v => v > 1)], await PostgreSqlMigrations.ApplyAsync(dataSource, cancellationToken));
        await using var check = dataSource.CreateCommand("SELECT (SELECT count(*) FROM desired_states) + (SELECT count(*) FROM rollouts) + (SELECT count(*) FROM accounts)");
        Assert.Equal(0L, await check.ExecuteScalarAsync(cancellationToken));
    }

    private static async Task<List<int>> RecordedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }
}
