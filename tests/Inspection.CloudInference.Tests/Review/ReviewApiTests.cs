using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>
/// The review API against the real cloud app: queue order and filters, leases, actions, audit, restart, export. Run on
/// the embedded LiteDB file (<see cref="LiteDbReviewApiTests"/>) and on a real PostgreSQL (<see cref="PostgreSqlReviewApiTests"/>).
/// </summary>
public abstract class ReviewApiTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(T0.AddHours(2));

    public void Dispose()
    {
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The arguments that choose where the cloud stores its data: the same store at every start of one test.</summary>
    protected abstract Task<IReadOnlyList<string>> StorageArgumentsAsync();

    [Fact]
    public async Task Queue_ItemsOfDifferentScoresAndAges_MostUnsureFirstThenOldest()
    {
        await using var cloud = await StartAsync();
        // Test band 0.35 / 0.75: the middle is 0.55.
        ReviewItems.AddPart(cloud, "cam-1", 100, [ReviewItems.Box(0.40, 1, 1, 9, 9)], receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-1", 200, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0.AddMinutes(2));
        ReviewItems.AddPart(cloud, "cam-1", 300, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0.AddMinutes(1));
        ReviewItems.AddPart(cloud, "cam-1", 400, [ReviewItems.Box(0.60, 1, 1, 9, 9), ReviewItems.Box(0.36, 1, 1, 9, 9)], receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-1", 500, [ReviewItems.Box(0.9, 1, 1, 9, 9)], receivedAt: T0, verdict: "defect");
        using var alice = As(cloud, "alice");

        var queue = await alice.GetFromJsonAsync<ReviewQueue>("api/review/queue", Token);

        Assert.Equal(4, queue!.Waiting);
        Assert.Equal(["cam-1/300", "cam-1/200", "cam-1/400", "cam-1/100"], queue.Items.Select(i => i.Key));
        Assert.Equal(1.0, queue.Items[0].Unsureness, 6);
        Assert.Equal(0.60, queue.Items[2].DecidingScore, 6);
        Assert.Equal(0.25, queue.Items[3].Unsureness, 6);
    }

    [Fact]
    public async Task Queue_Filters_MatchLineDeviceClassModelReleaseAndTime()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.5, 1, 1, 9, 9)], line: "line-a", receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-2", 2, [ReviewItems.Box(0.5, 1, 1, 9, 9, "dent", 1)], line: "line-b", receivedAt: T0.AddHours(1), edgeModel: "edge-v2", edgeRelease: 7);
        ReviewItems.AddPart(cloud, "cam-2", 3, [ReviewItems.Box(0.5, 1, 1, 9, 9)], line: "line-b", receivedAt: T0.AddMinutes(30),
            edgeBoxes: [ReviewItems.Box(0.3, 1, 1, 9, 9, "dent", 1)]);
        using var alice = As(cloud, "alice");

        async Task<string[]> Keys(string query) =>
            [.. (await alice.GetFromJsonAsync<ReviewQueue>($"api/review/queue?{query}", Token))!.Items.Select(i => i.Key).Order()];

        Assert.Equal(["cam-2/2", "cam-2/3"], await Keys("line=line-b"));
        Assert.Equal(["cam-1/1"], await Keys("device=cam-1"));
        Assert.Equal(["cam-2/2", "cam-2/3"], await Keys("class=dent"));
        Assert.Equal(["cam-2/2"], await Keys("model=edge-v2"));
        Assert.Equal(["cam-2/2"], await Keys("release=7"));
        Assert.Equal(["cam-2/3"], await Keys($"since={Uri.EscapeDataString(T0.AddMinutes(1).ToString("O"))}&until={Uri.EscapeDataString(T0.AddMinutes(59).ToString("O"))}"));
        using var bad = await alice.GetAsync("api/review/queue?since=yesterday", Token);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("since must be a time", (await bad.Content.ReadFromJsonAsync<ApiError>(Token))!.Error);
    }

    [Fact]
    public async Task Next_TwoOperators_NeverGetTheSameItemAndActingOnTheOthersIsRefused()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.50, 1, 1, 9, 9)], receivedAt: T0);
        using var alice = As(cloud, "alice");
        using var bob = As(cloud, "bob");

        var first = await NextAsync(alice);
        var second = await NextAsync(bob);
        using var none = await alice.PostAsync("api/review/next?device=cam-1", null, Token);
        var again = await NextAsync(alice);

        Assert.Equal("cam-1/1", first!.Key);
        Assert.Equal("cam-1/2", second!.Key);
        Assert.Equal("alice", first.Lease!.Holder);
        Assert.Equal(T0.AddHours(2).AddSeconds(300), first.Lease.ExpiresAt);
        Assert.Equal("cam-1/1", again!.Key);
        using var refused = await bob.PostAsync("api/review/items/cam-1/1/accept", null, Token);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("alice is reviewing cam-1/1", (await refused.Content.ReadFromJsonAsync<ApiError>(Token))!.Error);
        using var lease = await bob.PostAsync("api/review/items/cam-1/1/lease", null, Token);
        Assert.Equal(HttpStatusCode.Conflict, lease.StatusCode);
        var queue = await alice.GetFromJsonAsync<ReviewQueue>("api/review/queue", Token);
        Assert.Equal(2, queue!.Leased);
    }

    [Fact]
    public async Task Lease_Expired_IsFreeForAnotherAndRenewalKeepsIt()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        using var alice = As(cloud, "alice");
        using var bob = As(cloud, "bob");
        Assert.Equal("cam-1/1", (await NextAsync(alice))!.Key);

        _time.Advance(TimeSpan.FromSeconds(200));
        using (var renewed = await alice.PostAsync("api/review/items/cam-1/1/lease", null, Token))
        {
            Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(200));
        using (var stillHeld = await bob.PostAsync("api/review/next", null, Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, stillHeld.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(101));
        var taken = await NextAsync(bob);

        Assert.Equal("bob", taken!.Lease!.Holder);
        using var aliceLate = await alice.PostAsync("api/review/items/cam-1/1/reject", null, Token);
        Assert.Equal(HttpStatusCode.Conflict, aliceLate.StatusCode);
        var audit = await bob.GetFromJsonAsync<List<StoredAuditEntry>>("api/review/items/cam-1/1/audit", Token);
        Assert.Equal([("alice", ReviewActions.LeaseTaken), ("bob", ReviewActions.LeaseTaken)], audit!.Select(a => (a.Actor, a.Kind)));
        Assert.Contains("alice's lease had expired", audit![1].Detail);
    }

    [Fact]
    public async Task ReleaseLease_FromAPageLeftAfterTheSameAccountLeasedAgain_KeepsTheNewerLease()
    {
        // A reload: the new page leases the item again before the old page's "give it back" (sent as it is left) arrives.
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        using var alice = As(cloud, "alice");
        var oldPage = (await NextAsync(alice))!.Lease!;
        _time.Advance(TimeSpan.FromSeconds(5));
        var newPage = (await NextAsync(alice))!.Lease!;
        Assert.NotEqual(oldPage.ExpiresAt, newPage.ExpiresAt);

        using (var stale = await alice.DeleteAsync($"api/review/items/cam-1/1/lease?until={Uri.EscapeDataString(oldPage.ExpiresAt.ToString("O"))}", Token))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Contains("\"released\":false", await stale.Content.ReadAsStringAsync(Token));
        }

        var queue = await alice.GetFromJsonAsync<ReviewQueue>("api/review/queue", Token);
        Assert.Equal(1, queue!.Leased);
        using (var own = await alice.DeleteAsync($"api/review/items/cam-1/1/lease?until={Uri.EscapeDataString(newPage.ExpiresAt.ToString("O"))}", Token))
        {
            Assert.Contains("\"released\":true", await own.Content.ReadAsStringAsync(Token));
        }

        Assert.Equal(0, (await alice.GetFromJsonAsync<ReviewQueue>("api/review/queue", Token))!.Leased);
    }

    [Fact]
    public async Task Act_CompletedReview_SecondActionIs409UntilAnEngineerReopens()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 200, 150)], receivedAt: T0);
        using var alice = As(cloud, "alice");
        using var carol = As(cloud, "carol");
        await NextAsync(alice);

        var accepted = await ActAsync(alice, "cam-1/1", "accept", new ReviewActionRequest(["glare"], null));
        using var second = await carol.PostAsJsonAsync("api/review/items/cam-1/1/reject", new ReviewActionRequest(null, null), Token);
        var secondError = (await second.Content.ReadFromJsonAsync<ApiError>(Token))!.Error;
        using var reopened = await carol.PostAsync("api/review/items/cam-1/1/reopen", null, Token);
        var rejected = await ActAsync(carol, "cam-1/1", "reject", new ReviewActionRequest(["dust"], null));

        Assert.Equal("defect", accepted.Review!.Verdict);
        Assert.Equal("alice", accepted.Review.Reviewer);
        Assert.Equal("alice", accepted.Review.LeaseHolder);
        Assert.Equal(["glare"], accepted.Review.Tags);
        Assert.Equal(100, Assert.Single(Assert.Single(accepted.Review.Frames).Boxes).X1);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("reviewed already (accept by alice", secondError);
        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        Assert.Equal("pass", rejected.Review!.Verdict);
        Assert.Empty(Assert.Single(rejected.Review.Frames).Boxes);
        Assert.Equal(1, rejected.Reopened);
        var audit = await alice.GetFromJsonAsync<List<StoredAuditEntry>>("api/review/items/cam-1/1/audit", Token);
        Assert.Equal(
            [(ReviewActions.LeaseTaken, "alice"), (ReviewActions.Accept, "alice"), (ReviewActions.Reopen, "carol"), (ReviewActions.Reject, "carol")],
            audit!.Select(a => (a.Kind, a.Actor)));
        Assert.Contains("was accept by alice", audit![2].Detail);
    }

    [Fact]
    public async Task Fix_ReviewerBoxes_AreStoredAsTheFinalBoxesAndBadInputIsRefused()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 200, 150)], receivedAt: T0, frames: 2);
        using var alice = As(cloud, "alice");

        async Task<string> RefusedAsync(ReviewActionRequest body, string action = "fix")
        {
            using var response = await alice.PostAsJsonAsync($"api/review/items/cam-1/1/{action}", body, Token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<ApiError>(Token))!.Error;
        }

        Assert.Contains("a fix with no boxes", await RefusedAsync(new([], [new(11, []), new(12, [])])));
        Assert.Contains("a fix needs the reviewer's boxes", await RefusedAsync(new([], null)));
        Assert.Contains("outside the 640x480 frame", await RefusedAsync(new([], [new(11, [new(0, 600, 10, 700, 20)])])));
        Assert.Contains("has no area", await RefusedAsync(new([], [new(11, [new(0, 50, 10, 50, 20)])])));
        Assert.Contains("class 3 is not one of the model's classes", await RefusedAsync(new([], [new(11, [new(3, 1, 1, 5, 5)])])));
        Assert.Contains("frame 99 is not a judged frame", await RefusedAsync(new([], [new(99, [new(0, 1, 1, 5, 5)])])));
        Assert.Contains("'sunburn' is not a reason tag", await RefusedAsync(new(["sunburn"], null), "reject"));

        var fixedItem = await ActAsync(alice, "cam-1/1", "fix", new ReviewActionRequest(["box-misplaced"], [new(11, [new(0, 300, 200, 360, 260), new(0, 10, 20, 30, 40)])]));

        Assert.Equal("fix", fixedItem.Review!.Action);
        var frames = fixedItem.Review.Frames.ToDictionary(f => f.Sequence);
        Assert.Equal([(300.0, 200.0, 360.0, 260.0, "scratch"), (10.0, 20.0, 30.0, 40.0, "scratch")],
            frames[11].Boxes.Select(b => (b.X1, b.Y1, b.X2, b.Y2, b.ClassName)));
        // A frame the fix leaves out keeps the cloud's boxes.
        Assert.Equal(100, Assert.Single(frames[12].Boxes).X1);
    }

    [Fact]
    public async Task Act_NotSignedIn_Is401AndAnItemTheCloudDecidedIs404()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.9, 1, 1, 9, 9)], receivedAt: T0, verdict: "defect");
        using var alice = As(cloud, "alice");

        using var anonymous = await cloud.Anonymous.PostAsync("api/review/items/cam-1/1/accept", null, Token);
        using var decided = await alice.PostAsync("api/review/items/cam-1/2/accept", null, Token);
        using var badKey = await alice.PostAsync("api/review/items/cam-1/x/accept", null, Token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, decided.StatusCode);
        Assert.Contains("only escalations the cloud left uncertain", (await decided.Content.ReadFromJsonAsync<ApiError>(Token))!.Error);
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
    }

    [Fact]
    public async Task Queue_LineReviewedWhole_HoldsWhatTheCloudDecidedThereAndOnlyThere()
    {
        await using var cloud = await StartAsync(["--Cloud:Review:AllOnLines:0=line-new"]);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.9, 1, 1, 9, 9)], line: "line-new", receivedAt: T0, verdict: "defect");
        ReviewItems.AddPart(cloud, "cam-1", 2, [], line: "line-new", receivedAt: T0.AddSeconds(1), verdict: "pass");
        ReviewItems.AddPart(cloud, "cam-2", 3, [ReviewItems.Box(0.9, 1, 1, 9, 9)], line: "line-old", receivedAt: T0, verdict: "defect");
        ReviewItems.AddPart(cloud, "cam-2", 4, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-old", receivedAt: T0);
        using var alice = As(cloud, "alice");

        var queue = await alice.GetFromJsonAsync<ReviewQueue>("api/review/queue", Token);
        using var decidedElsewhere = await alice.PostAsync("api/review/items/cam-2/3/accept", null, Token);
        var rejected = await ActAsync(alice, "cam-1/2", "reject", null);

        Assert.Equal(["cam-2/4", "cam-1/1", "cam-1/2"], queue!.Items.Select(i => i.Key));
        Assert.Equal(HttpStatusCode.NotFound, decidedElsewhere.StatusCode);
        Assert.Equal(("pass", "pass"), (rejected.CloudVerdict, rejected.Review!.Verdict));
    }

    [Fact]
    public void Sampled_AShareOfKeys_ChoosesAboutThatShareAndAlwaysTheSameKeys()
    {
        var keys = Enumerable.Range(1, 4000).Select(i => $"cam-{i % 7}/{i}").ToArray();

        var chosen = keys.Where(k => ReviewSelection.Sampled(k, 0.1)).ToArray();

        Assert.InRange(chosen.Length, 320, 480);
        Assert.Equal(chosen, keys.Where(k => ReviewSelection.Sampled(k, 0.1)));
        Assert.DoesNotContain(keys, k => ReviewSelection.Sampled(k, 0));
        Assert.Equal(keys.Length, keys.Count(k => ReviewSelection.Sampled(k, 1.0)));
    }

    [Fact]
    public async Task EngineerActions_AnOperator_IsRefused403()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
        using var alice = As(cloud, "alice");
        await ActAsync(alice, "cam-1/1", "accept", null);

        using var export = await alice.GetAsync("api/review/export", Token);
        using var reopen = await alice.PostAsync("api/review/items/cam-1/1/reopen", null, Token);

        Assert.Equal(HttpStatusCode.Forbidden, export.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, reopen.StatusCode);
        Assert.Equal("accept", (await alice.GetFromJsonAsync<ReviewItem>("api/review/items/cam-1/1", Token))!.Review!.Action);
    }

    [Fact]
    public async Task Restart_ReviewsLeasesAndAudit_SurviveTheCloudRestarting()
    {
        await using (var cloud = await StartAsync())
        {
            ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0);
            ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.50, 1, 1, 9, 9)], receivedAt: T0);
            using var alice = As(cloud, "alice");
            await NextAsync(alice);
            await ActAsync(alice, "cam-1/1", "reject", new ReviewActionRequest(["dust"], null));
            await NextAsync(alice);
        }

        await using var restarted = await StartAsync();
        using var bob = As(restarted, "bob");

        var reviewed = await bob.GetFromJsonAsync<ReviewItem>("api/review/items/cam-1/1", Token);
        var leased = await bob.GetFromJsonAsync<ReviewItem>("api/review/items/cam-1/2", Token);
        using var next = await bob.PostAsync("api/review/next", null, Token);
        var audit = await bob.GetFromJsonAsync<List<StoredAuditEntry>>("api/review/items/cam-1/1/audit", Token);

        Assert.Equal(("reject", "alice", "dust"), (reviewed!.Review!.Action, reviewed.Review.Reviewer, Assert.Single(reviewed.Review.Tags)));
        Assert.Equal("alice", leased!.Lease!.Holder);
        Assert.Equal(HttpStatusCode.NoContent, next.StatusCode);
        Assert.Equal([ReviewActions.LeaseTaken, ReviewActions.Reject], audit!.Select(a => a.Kind));
    }

    [Fact]
    public async Task Act_Completed_EverySinkGetsTheVerdictOnceAndAThrowingSinkLosesNothing()
    {
        var recorded = new RecordingSink();
        await using var cloud = await StartAsync(builder =>
        {
            builder.Services.AddSingleton<IReviewedPartSink>(new ThrowingSink());
            builder.Services.AddSingleton<IReviewedPartSink>(recorded);
        });
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-7", receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-7", receivedAt: T0);
        using var alice = As(cloud, "alice");

        await ActAsync(alice, "cam-1/1", "accept", new ReviewActionRequest(["glare"], null));
        await ActAsync(alice, "cam-1/2", "reject", null);
        using var refused = await alice.PostAsync("api/review/items/cam-1/2/accept", null, Token);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(
            [("cam-1/1", "defect", "accept", "glare"), ("cam-1/2", "pass", "reject", "")],
            recorded.Received.Select(r => (r.EscalationKey, r.Verdict, r.Action, string.Join(',', r.Tags))));
        var first = recorded.Received[0];
        Assert.Equal(("cam-1", "line-7", 1L, true, "alice", T0.AddHours(2)), (first.DeviceId, first.LineId, first.Sequence, first.IsPart, first.Reviewer, first.ReviewedAt));
    }

    [Fact]
    public async Task Backlog_PerLine_CountsWaitingItemsAndTheOldestAge()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-a", receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-a", receivedAt: T0.AddHours(1));
        ReviewItems.AddPart(cloud, "cam-2", 3, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-b", receivedAt: T0.AddMinutes(90));
        using var alice = As(cloud, "alice");
        await ActAsync(alice, "cam-1/1", "accept", null);

        var backlog = await alice.GetFromJsonAsync<List<LineBacklog>>("api/review/backlog", Token);

        Assert.Equal([("line-a", 1, 3600L), ("line-b", 1, 1800L)], backlog!.Select(b => (b.LineId, b.Waiting, b.OldestAgeSeconds)));
    }

    [Fact]
    public async Task Dashboard_HourlyBuckets_CountWhatTheCloudAndTheReviewersSettledAndTheBacklog()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0.AddMinutes(5));
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0.AddMinutes(10));
        ReviewItems.AddPart(cloud, "cam-1", 3, [ReviewItems.Box(0.9, 1, 1, 9, 9)], receivedAt: T0.AddMinutes(15), verdict: "defect");
        ReviewItems.AddPart(cloud, "cam-1", 4, [ReviewItems.Box(0.1, 1, 1, 9, 9)], receivedAt: T0.AddMinutes(70), verdict: "pass");
        ReviewItems.AddPart(cloud, "cam-1", 5, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: T0.AddMinutes(75));
        using var alice = As(cloud, "alice");
        await ActAsync(alice, "cam-1/1", "reject", null);

        var view = await alice.GetFromJsonAsync<DashboardView>(
            $"api/review/dashboard?from={Uri.EscapeDataString(T0.ToString("O"))}&to={Uri.EscapeDataString(T0.AddHours(3).ToString("O"))}", Token);

        var line = Assert.Single(view!.Lines);
        Assert.Equal(3, line.Buckets.Count);
        Assert.Equal(new DashboardBucket(T0, 3, 0, 1, 1, 0, 1, 2), line.Buckets[0]);
        Assert.Equal(new DashboardBucket(T0.AddHours(1), 2, 1, 0, 0, 0, 1, 3), line.Buckets[1]);
        // Reviewed at T0+2h: from the third hour on, the backlog is one shorter.
        Assert.Equal(2, line.Buckets[2].Backlog);
        Assert.Null(line.EscalationRate);
        Assert.Contains("cannot be computed", view.EscalationRateNote);
    }

    [Fact]
    public async Task Export_AcceptFixReject_WritesImagesLabelsDataYamlAndProvenance()
    {
        await using var cloud = await StartAsync();
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 64, 48, 192, 144)], line: "line-a", receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-a", receivedAt: T0, frames: 2);
        ReviewItems.AddPart(cloud, "cam-1", 3, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-a", receivedAt: T0);
        ReviewItems.AddPart(cloud, "cam-2", 4, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-b", receivedAt: T0);
        using var alice = As(cloud, "alice");
        await ActAsync(alice, "cam-1/1", "accept", new ReviewActionRequest(["glare"], null));
        await ActAsync(alice, "cam-1/2", "fix", new ReviewActionRequest([], [new(12, [new(0, 320, 240, 640, 480)]), new(13, [])]));
        await ActAsync(alice, "cam-1/3", "reject", null);
        await ActAsync(alice, "cam-2/4", "reject", null);

        using var carol = As(cloud, "carol");
        using var response = await carol.GetAsync("api/review/export?line=line-a", Token);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        await using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(Token));

        string Entry(string name) => new StreamReader(zip.GetEntry(name)!.Open()).ReadToEnd();
        string Label(string name) => Entry($"labels/{ReviewDatasetExporter.SplitOf(name[..name.LastIndexOf('_')].Replace('_', '/'))}/{name}.txt");

        Assert.Equal("0 0.2 0.2 0.2 0.2\n", Label("cam-1_1_11"));
        Assert.Equal("0 0.75 0.75 0.5 0.5\n", Label("cam-1_2_12"));
        Assert.Equal(string.Empty, Label("cam-1_2_13"));
        Assert.Equal(string.Empty, Label("cam-1_3_13"));
        Assert.Equal(4, zip.Entries.Count(e => e.FullName.StartsWith("images/", StringComparison.Ordinal)));
        Assert.DoesNotContain(zip.Entries, e => e.FullName.Contains("cam-2", StringComparison.Ordinal));
        var yaml = Entry("data.yaml");
        Assert.Contains("path: .\ntrain: images/train\nval: images/val\nnc: 1\nnames:\n  0: 'scratch'\n", yaml);
        var provenance = Entry("provenance.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, provenance.Count);
        var accepted = provenance.Single(p => p.GetProperty("escalationKey").GetString() == "cam-1/1");
        Assert.Equal(("alice", "accept", "glare", "line-a", 11, "edge"), (
            accepted.GetProperty("reviewer").GetString(), accepted.GetProperty("action").GetString(), accepted.GetProperty("tags")[0].GetString(),
            accepted.GetProperty("lineId").GetString(), accepted.GetProperty("frameSequence").GetInt32(), accepted.GetProperty("edgeModel").GetProperty("name").GetString()));
    }

    [Fact]
    public void SplitOf_SameKey_IsAlwaysTheSameSplitAndAboutOneInFiveIsVal()
    {
        var splits = Enumerable.Range(0, 1000).Select(i => ReviewDatasetExporter.SplitOf($"cam-1/{i}")).ToList();

        Assert.Equal(splits, Enumerable.Range(0, 1000).Select(i => ReviewDatasetExporter.SplitOf($"cam-1/{i}")));
        Assert.InRange(splits.Count(s => s == "val"), 150, 250);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Task<TestCloud> StartAsync(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null) =>
        StartAsync([], configure);

    private async Task<TestCloud> StartAsync(string[] args, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null) =>
        await TestCloud.StartAsync(_directory.Path, [.. await StorageArgumentsAsync(), .. args], configure: builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(_time);
            configure?.Invoke(builder);
        });

    // carol is the engineer (re-open, export); the others are operators.
    private static HttpClient As(TestCloud cloud, string name) =>
        cloud.Client(cloud.TokenFor(name, name == "carol" ? AccountRoles.Engineer : AccountRoles.Operator));

    private static async Task<ReviewItem?> NextAsync(HttpClient client)
    {
        using var response = await client.PostAsync("api/review/next", null, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<ReviewItem>(Token);
    }

    private static async Task<ReviewItem> ActAsync(HttpClient client, string key, string action, ReviewActionRequest? body)
    {
        using var response = await client.PostAsJsonAsync($"api/review/items/{key}/{action}", body ?? new ReviewActionRequest(null, null), Token);
        Assert.True(response.IsSuccessStatusCode, $"{action} {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
        return (await response.Content.ReadFromJsonAsync<ReviewItem>(Token))!;
    }

    private sealed class RecordingSink : IReviewedPartSink
    {
        public List<ReviewedPart> Received { get; } = [];

        public Task OnReviewedAsync(ReviewedPart reviewed, CancellationToken cancellationToken)
        {
            Received.Add(reviewed);
            return Task.CompletedTask;
        }
    }

    private sealed class ThrowingSink : IReviewedPartSink
    {
        public Task OnReviewedAsync(ReviewedPart reviewed, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the line is unreachable");
    }
}
