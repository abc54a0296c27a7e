using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Grpc.Core;
using Inspection.Contracts.Api;
using Inspection.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.CloudInference.Tests.Escalations;

public sealed class EscalationServiceTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Escalate_NewFrame_IsStoredWhenTheReplyArrives()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = cloud.Escalations.Escalate(cancellationToken: cancellationToken);

        await call.RequestStream.WriteAsync(TestFrames.Request("cam-1", 7), cancellationToken);
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        var reply = call.ResponseStream.Current;

        // Read the store before the stream even ends: the reply must not exist before the record.
        var stored = await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", cancellationToken);
        await call.RequestStream.CompleteAsync();

        Assert.Equal("cam-1", reply.Key.DeviceId);
        Assert.Equal(7ul, reply.Key.Sequence);
        Assert.Equal(Verdict.Uncertain, reply.Verdict);
        Assert.False(reply.Duplicate);
        Assert.Empty(reply.Error);
        Assert.Equal("brightness-test", reply.CloudModel.Name);
        var detection = Assert.Single(reply.CloudDetections);
        Assert.Equal("scratch", detection.ClassName);

        var item = Assert.Single(stored!);
        Assert.Equal("cam-1/7", item.Key);
        Assert.Equal("line-1", item.LineId);
        Assert.Equal(Verdicts.Uncertain, item.Verdict);
        Assert.Equal("edge 1.0.0", item.EdgeModel);
        Assert.Equal(0.41, item.EdgeTop!.Confidence, 3);
        Assert.Equal("uncertain: scratch 0.41", item.Reason);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero), item.CapturedAt);
        Assert.Single(item.CloudDetections);
    }

    [Fact]
    public async Task Escalate_FromAModelOfAPackage_StoredWithItsRelease()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var request = TestFrames.Request("cam-1", 8);
        request.EdgeModel.Release = 12;

        await cloud.EscalateAsync(request);

        var item = Assert.Single((await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", TestContext.Current.CancellationToken))!);
        Assert.Equal("edge 1.0.0 (release 12)", item.EdgeModel);
    }

    [Fact]
    public async Task Escalate_GreyLevels_VerdictFollowsTheCloudBand()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var replies = await cloud.EscalateAsync(
            TestFrames.Request("cam-1", 1, TestFrames.PassGrey),
            TestFrames.Request("cam-1", 2, TestFrames.UncertainGrey),
            TestFrames.Request("cam-1", 3, TestFrames.DefectGrey));

        Assert.Equal([Verdict.Pass, Verdict.Uncertain, Verdict.Defect], replies.OrderBy(r => r.Key.Sequence).Select(r => r.Verdict));
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal(new EscalationSummary(3, 0, 0, 1, 1, 1), summary);
    }

    [Fact]
    public async Task Escalate_CustomBand_DecidesWithConfiguredThresholds()
    {
        await using var cloud = await TestCloud.StartAsync(
            _directory.Path, ["--Cloud:Decision:Lower=0.6", "--Cloud:Decision:Upper=0.95"]);

        var replies = await cloud.EscalateAsync(
            TestFrames.Request("cam-1", 1, TestFrames.UncertainGrey),
            TestFrames.Request("cam-1", 2, TestFrames.DefectGrey));

        Assert.Equal([Verdict.Pass, Verdict.Uncertain], replies.OrderBy(r => r.Key.Sequence).Select(r => r.Verdict));
    }

    [Fact]
    public async Task Escalate_SameKeyTwice_AnsweredFromStoreWithoutRunningTheModel()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        // The re-sent frame carries a defect-level image: a second model run would change the verdict.
        var replies = await cloud.EscalateAsync(
            TestFrames.Request("cam-1", 5, TestFrames.UncertainGrey),
            TestFrames.Request("cam-1", 5, TestFrames.DefectGrey));

        Assert.Equal(2, replies.Count);
        Assert.False(replies[0].Duplicate);
        Assert.True(replies[1].Duplicate);
        Assert.Equal(Verdict.Uncertain, replies[1].Verdict);
        Assert.Equal(replies[0].CloudDetections, replies[1].CloudDetections);
        Assert.Equal(1, cloud.Detector!.Calls);
    }

    [Fact]
    public async Task Escalate_SameKeysOnTwoConcurrentStreams_StoredOnce()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var frames = Enumerable.Range(1, 20).Select(i => TestFrames.Request("cam-2", (ulong)i)).ToArray();

        var both = await Task.WhenAll(cloud.EscalateAsync(frames), cloud.EscalateAsync(frames));

        var replies = both.SelectMany(r => r).ToList();
        Assert.Equal(40, replies.Count);
        Assert.All(replies, r => Assert.Empty(r.Error));
        foreach (var group in replies.GroupBy(r => r.Key.Sequence))
        {
            Assert.Equal(2, group.Count());
            Assert.Single(group, r => !r.Duplicate);
            Assert.Single(group.Select(r => r.Verdict).Distinct());
        }

        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal(20, summary!.EscalationsStored);
        Assert.Equal(20, summary.DuplicatesAnswered);
    }

    [Fact]
    public async Task Escalate_UndecodableJpeg_ErrorReplyAndTheRestOfTheStreamIsProcessed()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        byte[] garbage = [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3, 4, 5];

        var replies = await cloud.EscalateAsync(
            TestFrames.Request("cam-3", 1),
            TestFrames.Request("cam-3", 2, garbage),
            TestFrames.Request("cam-3", 3));

        var bad = Assert.Single(replies, r => r.Key.Sequence == 2);
        Assert.Contains("could not be decoded", bad.Error);
        Assert.Equal(Verdict.Unspecified, bad.Verdict);
        Assert.All(replies.Where(r => r.Key.Sequence != 2), r => Assert.Equal(Verdict.Uncertain, r.Verdict));

        var cancellationToken = TestContext.Current.CancellationToken;
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", cancellationToken);
        Assert.Equal(2, summary!.EscalationsStored);
        Assert.Equal(1, summary.Rejected);
        var items = await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", cancellationToken);
        Assert.DoesNotContain(items!, i => i.Key == "cam-3/2");

        var store = cloud.App.Services.GetRequiredService<EscalationStore>();
        var rejected = Assert.Single(store.LatestRejected(10));
        Assert.Equal(garbage, rejected.Sample);
        Assert.Equal(garbage.Length, rejected.JpegBytes);
        Assert.Equal(RefusalKind.Undecodable, rejected.Kind);
        Assert.Equal("cam-3", rejected.DeviceId);
        Assert.Equal(2m, rejected.Sequence);
    }

    [Theory]
    [InlineData("", "device id")]
    [InlineData("cam/1", "device id")]
    [InlineData("cam+#", "device id")]
    public async Task Escalate_InvalidDeviceId_ErrorReplyNothingStored(string deviceId, string expected)
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Request(deviceId, 1)));

        Assert.Contains(expected, reply.Error);
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal(0, summary!.EscalationsStored);
        Assert.Equal(1, summary.Rejected);
    }

    [Fact]
    public async Task Escalate_MissingKeyOrEmptyJpeg_ErrorReplies()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var noKey = TestFrames.Request("cam-4", 1);
        noKey.Key = null;
        var noJpeg = TestFrames.Request("cam-4", 2, []);

        var replies = await cloud.EscalateAsync(noKey, noJpeg);

        Assert.Contains("no key", replies[0].Error);
        Assert.Contains("no JPEG", replies[1].Error);
        Assert.Equal(2ul, replies[1].Key.Sequence);
    }

    [Fact]
    public async Task Escalate_AfterRestart_StoredFrameSurvivesAndIsADuplicate()
    {
        var jpeg = TestFrames.Jpeg(TestFrames.DefectGrey);
        await using (var first = await TestCloud.StartAsync(_directory.Path))
        {
            var reply = Assert.Single(await first.EscalateAsync(TestFrames.Request("cam-5", 42, jpeg)));
            Assert.Equal(Verdict.Defect, reply.Verdict);
        }

        await using var second = await TestCloud.StartAsync(_directory.Path);
        var cancellationToken = TestContext.Current.CancellationToken;

        var items = await second.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", cancellationToken);
        var item = Assert.Single(items!);
        Assert.Equal(Verdicts.Defect, item.Verdict);
        Assert.Equal(jpeg, await second.Http.GetByteArrayAsync(item.ImageUrl, cancellationToken));

        var again = Assert.Single(await second.EscalateAsync(TestFrames.Request("cam-5", 42, TestFrames.PassGrey)));
        Assert.True(again.Duplicate);
        Assert.Equal(Verdict.Defect, again.Verdict);
    }

    [Fact]
    public async Task Escalate_ModelFails_CallFailsAndNothingIsStoredOrAnswered()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, modelInputLength: 2);

        var error = await Assert.ThrowsAsync<RpcException>(() => cloud.EscalateAsync(TestFrames.Request("cam-8", 1)));

        // No reply means the edge keeps the frame in its outbox and re-sends it later.
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal(new EscalationSummary(0, 0, 0, 0, 0, 0), summary);
    }

    [Fact]
    public async Task Escalate_ReceivedAt_ComesFromTheInjectedClock()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.Zero);
        await using var cloud = await TestCloud.StartAsync(
            _directory.Path, configure: builder => builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(now)));

        await cloud.EscalateAsync(TestFrames.Request("cam-9", 1));

        var items = await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", TestContext.Current.CancellationToken);
        Assert.Equal(now, Assert.Single(items!).ReceivedAt);
    }

    [Fact]
    public async Task ListEscalations_NewestFirstAndLimited()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        for (ulong i = 1; i <= 3; i++)
        {
            await cloud.EscalateAsync(TestFrames.Request("cam-6", i));
        }

        var items = await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations?limit=2", TestContext.Current.CancellationToken);

        Assert.Equal(["cam-6/3", "cam-6/2"], items!.Select(i => i.Key));
    }

    [Theory]
    [InlineData("api/escalations?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("api/escalations?limit=501", HttpStatusCode.BadRequest)]
    [InlineData("api/escalations/cam-7/99/image", HttpStatusCode.NotFound)]
    [InlineData("api/escalations/cam-7/abc/image", HttpStatusCode.BadRequest)]
    [InlineData("api/escalations/bad%20id/1/image", HttpStatusCode.BadRequest)]
    public async Task Api_BadOrUnknownInput_ClearError(string path, HttpStatusCode expected)
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        using var response = await cloud.Http.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken);
        Assert.False(string.IsNullOrWhiteSpace(error!.Error));
    }
}
