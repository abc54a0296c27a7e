using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Inspection.CloudInference.Tests.Storage;

/// <summary>Two replicas' leases on one real PostgreSQL: one holds, and the other takes over when the holder goes.</summary>
public sealed class PostgreSqlLeaseTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>
{
    private const long Key = 0x7465_7374_0000_0001;

    [Fact]
    public async Task HoldAsync_TwoReplicas_OnlyOneHoldsAndKeepsHolding()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        await using var first = Lease(connectionString);
        await using var second = Lease(connectionString);

        Assert.True(await first.HoldAsync(cancellationToken));
        Assert.False(await second.HoldAsync(cancellationToken));
        Assert.True(await first.HoldAsync(cancellationToken));
        Assert.False(await second.HoldAsync(cancellationToken));
    }

    [Fact]
    public async Task HoldAsync_HoldersSessionTerminated_TheOtherTakesOverAndTheFirstKnowsItLost()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        await using var first = Lease(connectionString);
        await using var second = Lease(connectionString);
        Assert.True(await first.HoldAsync(cancellationToken));
        Assert.False(await second.HoldAsync(cancellationToken));

        // As when the holder's host dies or its network goes: the server ends the session, and with it the lock.
        await using (var admin = new NpgsqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await using var terminate = new NpgsqlCommand(
                $"SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND classid = {(uint)(Key >> 32)} AND objid = {unchecked((uint)Key)} AND objsubid = 1 AND granted",
                admin);
            Assert.Equal(1L, await terminate.ExecuteScalarAsync(cancellationToken));
        }

        await Eventually.UntilAsync(() => second.HoldAsync(cancellationToken).GetAwaiter().GetResult(), "the second replica takes the lease over");
        Assert.False(await first.HoldAsync(cancellationToken));
        Assert.True(await second.HoldAsync(cancellationToken));
    }

    [Fact]
    public async Task HoldAsync_HolderDisposed_TheOtherTakesOver()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        await using var second = Lease(connectionString);
        var first = Lease(connectionString);
        Assert.True(await first.HoldAsync(cancellationToken));
        Assert.False(await second.HoldAsync(cancellationToken));

        await first.DisposeAsync();

        await Eventually.UntilAsync(() => second.HoldAsync(cancellationToken).GetAwaiter().GetResult(), "the second replica takes the lease over");
    }

    [Fact]
    public async Task HoldAsync_ServerStopped_NotHeldWithoutThrowing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var lease = new PostgreSqlLease(
            new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Port = 1, Timeout = 2 }.ConnectionString, "test", Key, NullLogger.Instance);

        Assert.False(await lease.HoldAsync(cancellationToken));
    }

    private static PostgreSqlLease Lease(string connectionString) => new(connectionString, "test", Key, NullLogger.Instance);
}
