using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Fleet;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Inspection.CloudInference.Tests.Review.ReviewVerdictDeliveryTests;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>
/// Two cloud replicas on one real PostgreSQL database, each with its own API: an item leased on one is refused on the
/// other, operators on both never get the same item, a review done on one is done on both, and its verdict reaches the
/// device once.
/// </summary>
public sealed class SharedReviewStoreTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task TakeLease_ItemLeasedOnOneReplica_RefusedOnTheOtherWhichGetsTheNextItem()
    {
        var (first, second, _) = await TwoReplicasAsync();
        await using var _1 = first;
        await using var _2 = second;
        ReviewItems.AddPart(first, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        ReviewItems.AddPart(first, "cam-1", 2, [ReviewItems.Box(0.50, 1, 1, 9, 9)], receivedAt: T0);
        using var alice = As(first, "alice");
        using var bob = As(second, "bob");

        var taken = await NextAsync(alice);
        using var refused = await bob.PostAsync("api/review/items/cam-1/1/lease", null, Token);
        using var acting = await bob.PostAsJsonAsync("api/review/items/cam-1/1/accept", new ReviewActionRequest(null, null), Token);
        var other = await NextAsync(bob);

        Assert.Equal("cam-1/1", taken.Key);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("alice is reviewing cam-1/1", (await refused.Content.ReadFromJsonAsync<ApiError>(Token))!.Error);
        Assert.Equal(HttpStatusCode.Conflict, acting.StatusCode);
        Assert.Equal(("cam-1/2", "bob"), (other.Key, other.Lease!.Holder));
        Assert.Equal("alice", (await bob.GetFromJsonAsync<ReviewItem>("api/review/items/cam-1/1", Token))!.Lease!.Holder);
        Assert.Equal(2, (await alice.GetFromJsonAsync<ReviewQueue>("api/review/queue", Token))!.Leased);
    }

    [Fact]
    public async Task Next_EightOperatorsOnTwoReplicasAtOnce_EachGetsADistinctItem()
    {
        var (first, second, connectionString) = await TwoReplicasAsync();
        await using var _1 = first;
        await using var _2 = second;
        TestCloud[] replicas = [first, second];
        const int Operators = 8;
        const int Rounds = 5;

        for (var round = 0; round < Rounds; round++)
        {
            // One item per operator: if two were given the same item, one operator would be left with none.
            var device = $"cam-{round}";
            for (var part = 1; part <= Operators; part++)
            {
                ReviewItems.AddPart(first, device, part, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
            }

            using var start = new Barrier(Operators);
            var taken = await Task.WhenAll(Enumerable.Range(0, Operators).Select(i => Task.Run(
                () =>
                {
                    var store = replicas[i % 2].App.Services.GetRequiredService<ReviewStore>();
                    start.SignalAndWait(Token);
                    return (Operator: $"op-{i}", Item: store.Next(new ReviewFilter(Device: device), $"op-{i}"));
                },
                Token)));

            Assert.All(taken, t => Assert.NotNull(t.Item));
            Assert.Equal(Operators, taken.Select(t => t.Item!.Key).Distinct().Count());
            Assert.All(taken, t => Assert.Equal(t.Operator, t.Item!.Lease!.Holder));
        }

        // Each item's lease was taken once: no write lost to another, none recorded twice.
        Assert.Equal((long)Operators * Rounds, await ScalarAsync(connectionString, "SELECT count(*) FROM review_audit WHERE document->>'Kind' = 'lease-taken'"));
        Assert.Equal((long)Operators * Rounds, await ScalarAsync(connectionString, "SELECT count(*) FROM reviews WHERE version = 1"));
    }

    [Fact]
    public async Task Accept_OnOneReplica_SeenOnTheOtherAndASecondActionThereRefused()
    {
        var (first, second, _) = await TwoReplicasAsync();
        await using var _1 = first;
        await using var _2 = second;
        ReviewItems.AddPart(first, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        ReviewItems.AddPart(first, "cam-1", 2, [ReviewItems.Box(0.50, 1, 1, 9, 9)], receivedAt: T0);
        using var alice = As(first, "alice");
        using var bob = As(second, "bob");
        Assert.Equal("cam-1/1", (await NextAsync(alice)).Key);

        using (var accepted = await alice.PostAsJsonAsync("api/review/items/cam-1/1/accept", new ReviewActionRequest(["glare"], null), Token))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        var seen = await bob.GetFromJsonAsync<ReviewItem>("api/review/items/cam-1/1", Token);
        var queue = await bob.GetFromJsonAsync<ReviewQueue>("api/review/queue", Token);
        using var again = await bob.PostAsJsonAsync("api/review/items/cam-1/1/reject", new ReviewActionRequest(null, null), Token);
        var audit = await bob.GetFromJsonAsync<List<StoredAuditEntry>>("api/review/items/cam-1/1/audit", Token);

        Assert.Equal(("accept", "alice", "glare"), (seen!.Review!.Action, seen.Review.Reviewer, Assert.Single(seen.Review.Tags)));
        Assert.Null(seen.Lease);
        Assert.Equal(["cam-1/2"], queue!.Items.Select(i => i.Key));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("reviewed already (accept by alice", (await again.Content.ReadFromJsonAsync<ApiError>(Token))!.Error);
        Assert.Equal([("alice", ReviewActions.LeaseTaken), ("alice", ReviewActions.Accept)], audit!.Select(a => (a.Actor, a.Kind)));
        Assert.True(audit![0].Id < audit[1].Id);
    }

    [Fact]
    public async Task Accept_OnOneReplica_TheVerdictReachesTheDeviceOnceAndIsConfirmedOnBoth()
    {
        var connectionString = await server.CreateDatabaseAsync(Token);
        await using var first = await TestCloud.StartAsync(_directory.Folder("replica-a"), OnPostgreSql(connectionString));
        await FleetApiTests.WaitForBrokerAsync(first);
        // The second replica shares the first's broker and control key, as replicas behind one load balancer do.
        await using var second = await TestCloud.StartAsync(_directory.Folder("replica-b"), [
            .. OnPostgreSql(connectionString),
            "--Cloud:Broker:Enabled=false",
            $"--Cloud:Mqtt:Port={first.BrokerPort}",
            "--Cloud:Mqtt:ClientId=inspection-cloud-b",
            $"--Cloud:Control:SigningKeyPath={first.App.Services.GetRequiredService<DesiredStateSigner>().PrivateKeyPath}",
        ]);
        await FleetApiTests.WaitForBrokerAsync(second);
        await using var device = await StartDeviceAsync(_directory.Folder("replica-a"), first.BrokerPort);
        ReviewItems.AddPart(first, DeviceId, 42, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        using var alice = As(first, "alice");

        using (var accepted = await alice.PostAsJsonAsync($"api/review/items/{DeviceId}/42/accept", new ReviewActionRequest(null, null), Token))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // The same review handed over again on the other replica (a retry): still one verdict, one number.
        // Read by id: the device may have confirmed it already, so it is neither pending nor unconfirmed any more.
        var stored = StoreOf(first).Find((string)(await ScalarAsync(connectionString, "SELECT id FROM review_verdicts"))!)!;
        var retried = StoreOf(second).Add(
            new ReviewedPart(DeviceId, "line-1", stored.EscalationKey, 42, true, stored.Verdict, stored.Action, stored.Reviewer, stored.ReviewedAt, stored.Tags),
            T0,
            out var added);
        await Eventually.UntilAsync(() => StoreOf(first).CountUnconfirmed() == 0 && StoreOf(second).CountUnconfirmed() == 0, "the verdict confirmed by the device, seen on both replicas");

        Assert.False(added);
        Assert.Equal((stored.Id, 1L), (retried.Id, retried.Number));
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM review_verdicts"));
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT last FROM review_verdict_numbers"));
        var part = device.Database.PartCollection.FindById(42L)!;
        Assert.Equal(("defect", "review", "accept", "alice"), (part.FinalVerdict, part.FinalVerdictSource, part.Review!.Action, part.Review.Reviewer));
        Assert.Equal(1L, device.Stats.ReviewedDefect);
        Assert.Equal(new DeviceVerdictTotals(1, 0, 0, 1, null), StoreOf(second).DeliveryTotals()[DeviceId]);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<(TestCloud First, TestCloud Second, string ConnectionString)> TwoReplicasAsync()
    {
        var connectionString = await server.CreateDatabaseAsync(Token);
        var replicas = await Task.WhenAll(
            TestCloud.StartAsync(_directory.Folder("replica-a"), OnPostgreSql(connectionString)),
            TestCloud.StartAsync(_directory.Folder("replica-b"), [.. OnPostgreSql(connectionString), "--Cloud:Broker:Enabled=false"]));
        return (replicas[0], replicas[1], connectionString);
    }

    private static string[] OnPostgreSql(string connectionString) =>
        ["--Cloud:StorageProvider=postgresql", $"--Cloud:PostgreSqlConnectionString={connectionString}"];

    private static HttpClient As(TestCloud cloud, string name) => cloud.Client(cloud.TokenFor(name, AccountRoles.Operator));

    private static async Task<ReviewItem> NextAsync(HttpClient client)
    {
        using var response = await client.PostAsync("api/review/next", null, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReviewItem>(Token))!;
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Token);
    }
}
