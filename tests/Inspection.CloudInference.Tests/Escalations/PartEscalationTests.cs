using System.Net.Http.Json;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>
/// Parts escalated over gRPC to the real app, judged by the brightness test model (a grey level picks each frame's
/// verdict: <see cref="TestFrames.PassGrey"/>, <see cref="TestFrames.UncertainGrey"/>, <see cref="TestFrames.DefectGrey"/>).
/// </summary>
public sealed class PartEscalationTests : IDisposable
{
    private static readonly byte[] Garbage = [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3, 4, 5];

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Escalate_PartOfThreeFrames_OneItemWithEveryFrameAndOneReply()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var cancellationToken = TestContext.Current.CancellationToken;

        var reply = Assert.Single(await cloud.EscalateAsync(
            TestFrames.Part("cam-1", 100, TestFrames.UncertainGrey, TestFrames.PassGrey, TestFrames.PassGrey)));

        Assert.Empty(reply.Error);
        Assert.Equal(("cam-1", 100ul), (reply.Key.DeviceId, reply.Key.Sequence));
        Assert.Equal(Verdict.Uncertain, reply.Verdict);
        Assert.Equal("scratch", Assert.Single(reply.CloudDetections).ClassName);
        Assert.Equal([111ul, 112ul], reply.PartFrameResults.Select(r => r.Sequence));
        Assert.All(reply.PartFrameResults, r => Assert.Equal(Verdict.Pass, r.Verdict));
        Assert.Equal(3, cloud.Detector!.Calls);

        var item = Assert.Single((await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", cancellationToken))!);
        Assert.Equal("cam-1/100", item.Key);
        Assert.Equal(Verdicts.Uncertain, item.Verdict);
        var part = item.Part!;
        Assert.Equal((100L, "tracker", 9, 3), (part.PartId, part.Source, part.FramesSeen, part.FramesUncertain));
        Assert.Equal([110L, 111L, 112L], part.Frames.Select(f => f.Sequence));
        Assert.Equal([Verdicts.Uncertain, Verdicts.Pass, Verdicts.Pass], part.Frames.Select(f => f.Verdict));
        Assert.Equal(0.31, part.Frames[1].EdgeTop!.Confidence, 3);

        // Every frame's own JPEG is kept and served; the item's image is the most informative frame.
        Assert.Equal(TestFrames.Jpeg(TestFrames.PassGrey), await cloud.Http.GetByteArrayAsync(part.Frames[2].ImageUrl, cancellationToken));
        Assert.Equal(TestFrames.Jpeg(TestFrames.UncertainGrey), await cloud.Http.GetByteArrayAsync(item.ImageUrl, cancellationToken));

        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", cancellationToken);
        Assert.Equal(new EscalationSummary(1, 0, 0, 0, 0, 1), summary);
        var parts = await cloud.Http.GetFromJsonAsync<PartSummary>("api/summary/parts", cancellationToken);
        Assert.Equal(new PartSummary(1, 0, 0, 1, 3, 0), parts);
    }

    [Theory]
    [InlineData(new[] { TestFrames.PassGrey, TestFrames.DefectGrey, TestFrames.UncertainGrey }, Verdict.Defect)]
    [InlineData(new[] { TestFrames.UncertainGrey, TestFrames.UncertainGrey, TestFrames.DefectGrey }, Verdict.Defect)]
    [InlineData(new[] { TestFrames.PassGrey, TestFrames.PassGrey, TestFrames.PassGrey }, Verdict.Pass)]
    [InlineData(new[] { TestFrames.PassGrey, TestFrames.UncertainGrey, TestFrames.PassGrey }, Verdict.Uncertain)]
    public async Task Escalate_PartFrames_VerdictFollowsThePartRule(byte[] greys, Verdict expected)
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Part("cam-1", 5, greys)));

        Assert.Equal(expected, reply.Verdict);
    }

    [Fact]
    public async Task Escalate_PartResent_AnsweredFromTheStoreWithoutRunningTheModel()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        // The re-sent part carries defect-level frames: a second model run would change the verdict.
        var replies = await cloud.EscalateAsync(
            TestFrames.Part("cam-1", 7, TestFrames.UncertainGrey, TestFrames.PassGrey),
            TestFrames.Part("cam-1", 7, TestFrames.DefectGrey, TestFrames.DefectGrey));

        Assert.Equal([false, true], replies.Select(r => r.Duplicate));
        Assert.All(replies, r => Assert.Equal(Verdict.Uncertain, r.Verdict));
        Assert.Equal(replies[0].PartFrameResults, replies[1].PartFrameResults);
        Assert.Equal(2, cloud.Detector!.Calls);
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal((1L, 1L), (summary!.EscalationsStored, summary.DuplicatesAnswered));
    }

    [Fact]
    public async Task Escalate_PartWithOneCorruptFrame_DecidedOnTheOthersAndSaysWhichWasRefused()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var cancellationToken = TestContext.Current.CancellationToken;

        // Undecided, the corrupt frame would not let the part pass; judged on the rest, it passes.
        var reply = Assert.Single(await cloud.EscalateAsync(
            TestFrames.Part("cam-2", 30, [TestFrames.Jpeg(TestFrames.PassGrey), Garbage, TestFrames.Jpeg(TestFrames.PassGrey)])));

        Assert.Empty(reply.Error);
        Assert.Equal(Verdict.Pass, reply.Verdict);
        Assert.Equal([Verdict.Unspecified, Verdict.Pass], reply.PartFrameResults.Select(r => r.Verdict));
        var frames = Assert.Single((await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", cancellationToken))!).Part!.Frames;
        Assert.Contains("could not be decoded", frames[1].Error);
        Assert.Equal(string.Empty, frames[1].Verdict);
        Assert.Equal(Garbage, await cloud.Http.GetByteArrayAsync(frames[1].ImageUrl, cancellationToken));
        var parts = await cloud.Http.GetFromJsonAsync<PartSummary>("api/summary/parts", cancellationToken);
        Assert.Equal((1L, 1L, 3L, 1L), (parts!.Stored, parts.Pass, parts.Frames, parts.FramesRefused));
    }

    [Fact]
    public async Task Escalate_PartWithEveryFrameCorrupt_RefusedAsAFrameIsAndNothingStored()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var reply = Assert.Single(await cloud.EscalateAsync(TestFrames.Part("cam-3", 40, [Garbage, [], Garbage])));

        Assert.Equal(Verdict.Unspecified, reply.Verdict);
        Assert.Contains("none of the part's 3 frames could be judged", reply.Error);
        Assert.Contains("frame 51: the frame has no JPEG bytes", reply.Error);
        Assert.Equal(0, cloud.Detector!.Calls);
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal((0L, 1L), (summary!.EscalationsStored, summary.Rejected));
        var rejected = Assert.Single(cloud.App.Services.GetRequiredService<EscalationStore>().LatestRejected(10));
        Assert.Equal(40m, rejected.Sequence);
        Assert.Equal(RefusalKind.NoFrameJudged, rejected.Kind);
        Assert.Equal(Garbage, rejected.Sample);
    }

    [Fact]
    public async Task Escalate_PartIdIsNotTheKeysSequence_Refused()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var request = TestFrames.Part("cam-3", 41, TestFrames.PassGrey);
        request.Part.PartId = 42;

        var reply = Assert.Single(await cloud.EscalateAsync(request));

        Assert.Contains("part id 42 differs from the key's sequence 41", reply.Error);
        Assert.Equal(0, cloud.Detector!.Calls);
    }

    [Fact]
    public async Task Escalate_DetectionOffThePartBox_IgnoredAndThePartPasses()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        // The brightness model's one detection covers the whole 64×48 frame (centre 32, 24): a part box in the
        // top-left corner, grown by the 8 px margin, does not reach it; one over the centre does.
        var off = TestFrames.Part("cam-4", 60, [TestFrames.Jpeg(TestFrames.DefectGrey)], new PartBox { X1 = 0, Y1 = 0, X2 = 20, Y2 = 14 });
        var on = TestFrames.Part("cam-4", 61, [TestFrames.Jpeg(TestFrames.DefectGrey)], new PartBox { X1 = 0, Y1 = 0, X2 = 25, Y2 = 17 });

        var replies = await cloud.EscalateAsync(off, on);

        Assert.Equal([Verdict.Pass, Verdict.Defect], replies.Select(r => r.Verdict));
        Assert.Empty(replies[0].CloudDetections);
        var items = await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", TestContext.Current.CancellationToken);
        var ignored = Assert.Single(items!, i => i.Sequence == 60).Part!.Frames[0];
        Assert.Equal((1, 0), (ignored.IgnoredDetections, ignored.CloudDetections.Count));
        Assert.Equal(20, ignored.PartBox!.X2);
    }

    [Fact]
    public async Task Escalate_FramesAndPartsOnOneStream_FramesAnsweredAsBefore()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var replies = await cloud.EscalateAsync(
            TestFrames.Request("cam-5", 1, TestFrames.DefectGrey),
            TestFrames.Part("cam-5", 2, TestFrames.PassGrey, TestFrames.PassGrey),
            TestFrames.Request("cam-5", 3, TestFrames.PassGrey));

        Assert.Equal([Verdict.Defect, Verdict.Pass, Verdict.Pass], replies.Select(r => r.Verdict));
        Assert.Empty(replies[0].PartFrameResults);
        Assert.Single(replies[1].PartFrameResults);
        var items = await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", TestContext.Current.CancellationToken);
        Assert.Equal([("cam-5/3", false), ("cam-5/2", true), ("cam-5/1", false)], items!.Select(i => (i.Key, i.Part is not null)));
    }

    [Fact]
    public async Task DisagreementOf_PartLeaningDefectInALaterFrame_CloudPassCountsAsContradiction()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var leaning = TestFrames.Part("cam-6", 1, TestFrames.PassGrey, TestFrames.PassGrey);
        leaning.PartFrames[0].EdgeDetections[0].Confidence = 0.8f;

        await cloud.EscalateAsync(leaning, TestFrames.Part("cam-6", 2, TestFrames.PassGrey, TestFrames.PassGrey));

        // Both parts passed in the cloud; only the first had a frame the edge scored 0.5 or more.
        var disagreement = cloud.App.Services.GetRequiredService<EscalationStore>().DisagreementOf("cam-6", 0, since: null);
        Assert.Equal(new Disagreement(2, 1), disagreement);
    }
}
