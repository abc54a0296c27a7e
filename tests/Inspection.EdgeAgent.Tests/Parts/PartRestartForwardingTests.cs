using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.ModelTools.Line;
using Inspection.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>
/// An uncertain part still in view when the agent stops: its open entry is on disk, is made ready at the next start,
/// and the forwarder sends it to a real Kestrel gRPC cloud as one part with its frames and boxes.
/// </summary>
public sealed class PartRestartForwardingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task ReleaseOpenParts_PartInViewAtStop_IsSentAtTheNextStartWithItsFramesAndGetsTheCloudVerdict()
    {
        var path = _temp.File("edge.db");
        long partId;
        int escalatedFrames;
        using (var model = TrackerClip.EdgeModel(_temp))
        using (var first = new PartPipeline(path, model, new PartsOptions { Source = PartsOptions.Tracker }))
        using (var line = new SyntheticLine(TrackerClip.Seed))
        {
            // Until a part in view holds an open entry (the part that stays uncertain in TrackerClip): then "stop".
            var open = default(global::Inspection.EdgeAgent.Storage.OutboxEntry);
            for (var index = 0; index < TrackerClip.Frames && open is null; index++)
            {
                using var rendered = line.Render(index);
                first.Inspector.Inspect(rendered.Frame, first.Time.GetUtcNow());
                open = first.Database.OutboxCollection.FindOne(e => e.Open);
            }

            Assert.NotNull(open);
            Assert.Equal(DateTime.MaxValue, open.NextAttemptAt);
            Assert.Empty(first.Outbox.TakeDue(first.Time.GetUtcNow().AddYears(1), 10));
            partId = open.Id;
            escalatedFrames = 1 + open.PartFrames.Count;
        }

        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r, Verdict.Pass));
        using var restarted = new PartPipeline(path, TestModels.Active(TestModels.Brightness(_temp.File("b.onnx")), _temp.Folder("m2")), new PartsOptions { Source = PartsOptions.Tracker });
        restarted.Parts.ReleaseOpenParts();

        var entry = restarted.Outbox.Find(partId)!;
        Assert.False(entry.Open);
        Assert.True(restarted.Outbox.FindPart(partId)!.ClosedByRestart);
        using var channel = GrpcChannel.ForAddress(cloud.Address, OutboxForwarder.ChannelOptions(new DegradationOptions()));
        var forwarder = restarted.Forwarder(channel, cloud.Address);

        var result = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal((1, 1), (result.Sent, result.Stored));
        var request = Assert.Single(cloud.Behaviour.Received);
        Assert.Equal((ulong)partId, request.Key.Sequence);
        Assert.Equal((ulong)partId, request.Part.PartId);
        Assert.Equal("tracker", request.Part.Source);
        Assert.Equal((ulong)entry.FrameSequence, request.Part.FrameSequence);
        Assert.NotNull(request.Part.PartBox);
        Assert.True(request.Part.PartBox.X2 > request.Part.PartBox.X1);
        Assert.Equal(escalatedFrames - 1, request.PartFrames.Count);
        Assert.All(request.PartFrames, f => Assert.NotNull(f.PartBox));
        Assert.All(request.PartFrames, f => Assert.False(f.Jpeg.IsEmpty));
        Assert.Equal((uint)entry.FramesSeen, request.Part.FramesSeen);
        Assert.Null(restarted.Outbox.Find(partId));
        var part = restarted.Outbox.FindPart(partId)!;
        Assert.Equal(("pass", "cloud 9.9.9"), (part.CloudVerdict, part.CloudModel));
        Assert.Equal(1, restarted.Stats.PartsEscalated);
    }

    public void Dispose() => _temp.Dispose();
}
