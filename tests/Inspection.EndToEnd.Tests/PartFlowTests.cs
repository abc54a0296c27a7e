using System.Text.Json;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests;

/// <summary>
/// Parts, not frames, from the camera to the cloud's verdict: the agent follows the synthetic line's plates with its
/// tracker, decides each plate once it has left the view, and sends each uncertain plate to the cloud once, with its
/// most informative frames; the cloud stores one item per plate and its verdict reaches the plate's record on the edge.
/// </summary>
public sealed class PartFlowTests
{
    private const int Frames = 300;
    private const int MaxEscalatedFrames = 3;

    [Fact]
    public async Task UncertainParts_TrackerMode_EachEscalatedOnceWithItsFramesAndVerdictBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = new InspectionSystem();
        var video = system.RenderLine(seed: 3, Frames);
        var cloud = await system.StartCloudAsync(embeddedBroker: true, ct);
        // An upper edge of 1 decides nothing defect on the edge, so every plate the model sees anything on stays uncertain
        // and goes to the cloud: this short line surely yields uncertain parts.
        var edge = system.StartEdge(
            "e2e-parts", video, loop: false, maxFps: 0,
            "--Parts:Source=tracker", $"--Parts:MaxEscalatedFrames={MaxEscalatedFrames}", "--Decision:Lower=0.2", "--Decision:Upper=1");

        var device = await Eventually.WaitAsync(
            "every frame inspected, every part decided and every uncertain part answered by the cloud",
            async c => await system.Api.FindDeviceAsync("e2e-parts", c),
            d => d is { } e && Stats(e).GetProperty("frames").GetInt64() == Frames
                && Stats(e).TryGetProperty("parts", out var p) && p.ValueKind == JsonValueKind.Object
                && p.GetProperty("inView").GetInt64() == 0
                && p.GetProperty("escalated").GetInt64() == p.GetProperty("uncertain").GetInt64()
                && Stats(e).GetProperty("outboxDepth").GetInt64() == 0,
            TimeSpan.FromSeconds(120),
            ct,
            cloud,
            edge);
        var parts = Stats(device!.Value).GetProperty("parts");
        var uncertain = parts.GetProperty("uncertain").GetInt64();
        Assert.True(uncertain > 0, $"no uncertain part on the line; the scenario proves nothing.{Environment.NewLine}{edge}");
        Assert.Equal("tracker", parts.GetProperty("source").GetString());
        await edge.StopAsync(TimeSpan.FromSeconds(20));

        var items = (await system.Api.GetAsync("/api/escalations?limit=500", ct)).EnumerateArray().ToList();
        var edgeParts = system.ReadEdgeParts("e2e-parts");
        var escalatedAtEdge = edgeParts.Where(p => p.EscalatedFrames.Count > 0).ToList();

        // One item per uncertain part, every one a part, under the part's own key: never one per frame.
        Assert.Equal(uncertain, items.Count);
        Assert.All(items, i => Assert.Equal(JsonValueKind.Object, i.GetProperty("part").ValueKind));
        Assert.Equal(items.Count, items.Select(i => i.GetProperty("sequence").GetInt64()).Distinct().Count());
        Assert.Equal(escalatedAtEdge.Select(p => p.Id).Order(), items.Select(i => i.GetProperty("sequence").GetInt64()).Order());

        // Each carries at most K frames, the ones the edge recorded as escalated, and the edge knows the cloud's verdict.
        foreach (var item in items)
        {
            var frames = item.GetProperty("part").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("sequence").GetInt64()).ToList();
            Assert.InRange(frames.Count, 1, MaxEscalatedFrames);
            var atEdge = escalatedAtEdge.Single(p => p.Id == item.GetProperty("sequence").GetInt64());
            Assert.Equal(atEdge.EscalatedFrames.Order(), frames.Order());
            Assert.NotNull(atEdge.CloudVerdict);
        }

        // Frame results are still recorded, every one.
        Assert.Equal(Frames, system.ReadEdgeDatabase("e2e-parts").Sequences.Count);
    }

    private static JsonElement Stats(JsonElement device) => device.GetProperty("reported").GetProperty("stats");
}
