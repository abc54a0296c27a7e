using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Rollouts;
using Inspection.CloudInference.Escalations;
using Inspection.ModelTools.Line;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>
/// A rollout judged on reviewed parts, against a real cloud: the release's real model (the shipped int8 edge model in
/// a signed package) runs over the stored frames people reviewed; the rollout is refused with the figures when the
/// release would let a reviewed defect through or when too few parts were reviewed, and otherwise starts with the
/// check's result on it and the devices told to shadow it with the check's agreement bar. Each part is a clean plate
/// of the synthetic line (frame 120 of seed 3, part 1, whole in view), which the model passes; a reviewer's box on it
/// makes it a defect the release would miss.
/// </summary>
public sealed class ReviewCheckRolloutTests : IAsyncDisposable
{
    private const long Release = 3;
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();
    private readonly List<ScriptedDevice> _devices = [];
    private TestCloud? _cloud;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly (byte[] Jpeg, StoredPartBox Box) CleanPlate = Render();

    private TestCloud Cloud => _cloud ?? throw new InvalidOperationException("no cloud");

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        if (_cloud is not null)
        {
            await _cloud.DisposeAsync();
        }

        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Rollout_TooFewReviewedParts_RefusedSayingHowManyAndNothingSent()
    {
        await StartAsync("cam-a");
        await ReviewAsync("cam-a", 1, defect: false);
        await ReviewAsync("cam-a", 2, defect: false);

        var refusal = await RefusedAsync(new ReviewCheck());

        Assert.Contains("only 2 reviewed parts from the rollout's devices; at least 20 are needed", refusal, StringComparison.Ordinal);
        Assert.Empty(await Cloud.Http.GetFromJsonAsync<List<RolloutSummary>>("api/rollouts", Token) ?? []);
        Assert.Empty(_devices[0].Desired);
    }

    [Fact]
    public async Task Rollout_ReleaseWouldPassAReviewedDefect_RefusedWithTheFigures()
    {
        await StartAsync("cam-a");
        await ReviewAsync("cam-a", 1, defect: true);
        await ReviewAsync("cam-a", 2, defect: false);
        await ReviewAsync("cam-a", 3, defect: false);

        var refusal = await RefusedAsync(new ReviewCheck(MinParts: 3));

        Assert.Contains("release 3 not rolled out: the review check failed: it lets through 1 reviewed defective parts, at most 0 allowed", refusal, StringComparison.Ordinal);
        Assert.Contains("on 3 held-out reviewed parts (1 defective, 2 clean)", refusal, StringComparison.Ordinal);
        Assert.Empty(_devices[0].Desired);
    }

    [Fact]
    public async Task Rollout_ReleaseRightOnTheTargetsReviewedParts_StartsAndDevicesShadowWithTheChecksBar()
    {
        await StartAsync("cam-a", "cam-b");
        await ReviewAsync("cam-a", 1, defect: false);
        await ReviewAsync("cam-a", 2, defect: false);
        await ReviewAsync("cam-b", 3, defect: false);

        // A device outside the target: its reviewed defect, which the release would pass, is not this rollout's business.
        await ReviewAsync("cam-z", 4, defect: true);

        var response = await Cloud.Http.PostAsJsonAsync(
            "api/rollouts",
            new RolloutRequest(Release, new RolloutTarget(Devices: ["cam-a", "cam-b"]), new RolloutStrategy(ReviewCheck: new ReviewCheck(MinParts: 3, ShadowMinAgreement: 0.2))),
            Token);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Token));
        var view = (await response.Content.ReadFromJsonAsync<RolloutView>(Token))!;
        var check = view.ReviewCheck!;
        Assert.True(check.Passed, check.Summary);
        Assert.Equal((3, 0, 3, 3), (check.Parts, check.Defective, check.Clean, check.Frames));
        Assert.Equal(new ReviewCheckCounts(3, 0, 0, 0), check.Release);
        Assert.Equal(new ReviewCheckCounts(0, 0, 0, 3), check.Running);
        var desired = await Eventually.WaitAsync(
            "the canary's desired model",
            _ => Task.FromResult(_devices[0].Desired.LastOrDefault(d => d.Model is not null)),
            d => d is not null,
            Eventually.DefaultTimeout,
            Token);
        Assert.Equal(Release, desired!.Model!.Release);
        Assert.Equal(0.2, desired.Model.MinAgreement);

        // The result stays on the rollout.
        var again = await Cloud.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{view.Id}", Token);
        Assert.Equal(check, again!.ReviewCheck);
    }

    [Fact]
    public async Task Rollout_RunningModelPassedTheSameDefectInAnAudit_ItsEscapeIsNoReasonToRefuse()
    {
        await StartAsync("cam-a");
        await ReviewAsync("cam-a", 1, defect: true, edgeAudit: "pass");
        await ReviewAsync("cam-a", 2, defect: false, edgeAudit: "pass");
        await ReviewAsync("cam-a", 3, defect: false);

        var response = await Cloud.Http.PostAsJsonAsync(
            "api/rollouts", new RolloutRequest(Release, new RolloutTarget(All: true), new RolloutStrategy(ReviewCheck: new ReviewCheck(MinParts: 3))), Token);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Token));
        var check = (await response.Content.ReadFromJsonAsync<RolloutView>(Token))!.ReviewCheck!;
        Assert.Equal(new ReviewCheckCounts(Right: 2, Escapes: 1, FalseRejects: 0, Uncertain: 0), check.Release);
        Assert.Equal(new ReviewCheckCounts(Right: 1, Escapes: 1, FalseRejects: 0, Uncertain: 1), check.Running);
    }

    private Task StartAsync(params string[] devices) => StartAsync(true, devices);

    [Fact]
    public async Task Rollout_PartsReviewedBeforeTheReleaseInTheTrainSplit_NotJudgedUnlessAsked()
    {
        await StartAsync(false, "cam-a");
        var train = PartsIn("cam-a", "train").Take(5).ToList();
        var val = PartsIn("cam-a", "val").First();

        // Before the release exists: a defect the release would pass and two clean parts in the export's train split
        // (a release retrained on that export has learned them), and one clean part in its val split.
        await ReviewAsync("cam-a", train[0], defect: true);
        await ReviewAsync("cam-a", train[1], defect: false);
        await ReviewAsync("cam-a", train[2], defect: false);
        await ReviewAsync("cam-a", val, defect: false);
        await UploadAsync();

        var heldOut = await RefusedAsync(new ReviewCheck(MinParts: 3));
        var all = await RefusedAsync(new ReviewCheck(MinParts: 3, IncludeTrainSplit: true));

        // Reviewed after the release was registered: it cannot have trained on them, whatever their split.
        await ReviewAsync("cam-a", train[3], defect: false);
        await ReviewAsync("cam-a", train[4], defect: false);
        var response = await Cloud.Http.PostAsJsonAsync(
            "api/rollouts", new RolloutRequest(Release, new RolloutTarget(All: true), new RolloutStrategy(ReviewCheck: new ReviewCheck(MinParts: 3))), Token);

        Assert.Contains("only 1 reviewed parts from the rollout's devices that the release cannot have trained on", heldOut, StringComparison.Ordinal);
        Assert.Contains("3 more are in the export's train split", heldOut, StringComparison.Ordinal);
        Assert.Contains("it lets through 1 reviewed defective parts", all, StringComparison.Ordinal);
        Assert.Contains("on 4 reviewed parts (1 defective, 3 clean)", all, StringComparison.Ordinal);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Token));
        var check = (await response.Content.ReadFromJsonAsync<RolloutView>(Token))!.ReviewCheck!;
        Assert.Equal((3, 0, 3), (check.Parts, check.Defective, check.Clean));
    }

    private async Task StartAsync(bool upload, params string[] devices)
    {
        _cloud = await _packages.StartCloudAsync(_directory, "--Cloud:Rollouts:TickMilliseconds=100");
        if (upload)
        {
            await UploadAsync();
        }

        await Fleet.FleetApiTests.WaitForBrokerAsync(Cloud);
        foreach (var id in devices)
        {
            _devices.Add(await ScriptedDevice.StartAsync(Cloud.BrokerPort, id, DeviceScript.Commit));
        }

        await Fleet.FleetApiTests.PollFleetAsync(Cloud, f => f.Devices.Count(d => d.Online == true && d.Reported is not null) >= devices.Length);
    }

    private async Task UploadAsync() =>
        Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(Cloud, _packages.Build(release: Release))).StatusCode);

    /// <summary>Part ids of <paramref name="deviceId"/> whose review export split is <paramref name="split"/>.</summary>
    private static IEnumerable<long> PartsIn(string deviceId, string split) =>
        Enumerable.Range(1, 1000).Select(n => (long)n).Where(n => ReviewDatasetExporter.SplitOf($"{deviceId}/{n}") == split);

    /// <summary>A stored part (uncertain, or an audit of what the edge decided) of one frame of a clean plate, reviewed: rejected (clean), or fixed with a box (a defect).</summary>
    private async Task ReviewAsync(string deviceId, long partId, bool defect, string? edgeAudit = null)
    {
        ReviewItems.AddPart(Cloud, deviceId, partId, [ReviewItems.Box(0.5, 100, 100, 140, 140)], partBox: CleanPlate.Box, jpeg: CleanPlate.Jpeg, edgeAudit: edgeAudit);
        var key = $"{deviceId}/{partId}";
        var (action, body) = defect
            ? ("fix", new ReviewActionRequest(null, [new(partId + 10, [new(0, 300, 200, 360, 260)])]))
            : ("reject", new ReviewActionRequest(null, null));
        using var response = await Cloud.Http.PostAsJsonAsync($"api/review/items/{key}/{action}", body, Token);
        Assert.True(response.IsSuccessStatusCode, $"{action} {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
    }

    private static (byte[] Jpeg, StoredPartBox Box) Render()
    {
        using var line = new SyntheticLine(Review.RenderedLine.Seed, ReviewItems.Width, ReviewItems.Height);
        using var frame = line.Render(120);
        var part = Assert.Single(frame.Parts, p => p.PartId == 1).Box;
        Assert.DoesNotContain(frame.Truth, t => t.PartId == 1);
        return (frame.Frame.ImEncode(".jpg"), new StoredPartBox { X1 = part.X1, Y1 = part.Y1, X2 = part.X2, Y2 = part.Y2 });
    }

    private async Task<string> RefusedAsync(ReviewCheck check)
    {
        using var response = await Cloud.Http.PostAsJsonAsync(
            "api/rollouts", new RolloutRequest(Release, new RolloutTarget(All: true), new RolloutStrategy(ReviewCheck: check)), Token);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ApiError>(Token))!.Error;
    }
}
