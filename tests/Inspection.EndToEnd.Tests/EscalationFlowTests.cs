using System.Text.Json;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests;

/// <summary>A frame's whole path: video → edge decision → outbox → gRPC → cloud store → verdict back at the edge.</summary>
public sealed class EscalationFlowTests
{
    private const int Frames = 90;

    [Fact]
    public async Task UncertainFrames_EdgeToCloud_StoredExactlyOnceWithVerdictBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = new InspectionSystem();
        var video = system.RenderLine(seed: 3, Frames);
        var cloud = await system.StartCloudAsync(embeddedBroker: true, ct);
        // A wide uncertain band, so that this short line surely yields uncertain frames.
        var edge = system.StartEdge("e2e-flow", video, loop: false, maxFps: 0, "--Decision:Lower=0.2", "--Decision:Upper=0.98");

        var device = await Eventually.WaitAsync(
            "all frames inspected and the outbox drained",
            async c => await system.Api.FindDeviceAsync("e2e-flow", c),
            d => d is { } e && Stats(e).GetProperty("frames").GetInt64() == Frames && Stats(e).GetProperty("outboxDepth").GetInt64() == 0,
            TimeSpan.FromSeconds(90),
            ct,
            cloud,
            edge);
        var uncertain = Stats(device!.Value).GetProperty("uncertain").GetInt64();
        Assert.True(uncertain > 0, $"no uncertain frame on the line; the scenario proves nothing.{Environment.NewLine}{edge}");

        var summary = await Eventually.WaitAsync(
            "the cloud to count every escalation",
            c => system.Api.GetAsync("/api/summary", c),
            s => s.GetProperty("escalationsStored").GetInt64() >= uncertain,
            TimeSpan.FromSeconds(30),
            ct,
            cloud);
        await edge.StopAsync(TimeSpan.FromSeconds(20));

        var keys = await system.Api.EscalationKeysAsync(ct);
        var edgeDb = system.ReadEdgeDatabase("e2e-flow");
        Assert.Equal(uncertain, summary.GetProperty("escalationsStored").GetInt64());
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(keys, k => Assert.Equal("e2e-flow", k.DeviceId));
        Assert.Equal(edgeDb.Uncertain.Order(), keys.Select(k => k.Sequence).Order());
        Assert.Equal(edgeDb.Uncertain.Order(), edgeDb.UncertainWithVerdict.Order());
        Assert.Equal(0, edgeDb.OutboxDepth);
        Assert.Equal(Frames, edgeDb.Sequences.Count);

        // No GPU here: the agent built with the CUDA/TensorRT ONNX Runtime tried both, fell back to CPU and
        // said so once, with the cause rather than ONNX Runtime's source location.
        var providerLines = edge.Output.Split('\n').Where(l => l.Contains("skipped providers:", StringComparison.Ordinal)).ToList();
        var providerLine = Assert.Single(providerLines);
        Assert.Contains(" on CPU ", providerLine);
        Assert.Contains("TensorRT (", providerLine);
        Assert.Contains("CUDA (", providerLine);
        Assert.DoesNotContain("onnxruntime_src", providerLine);
    }

    private static JsonElement Stats(JsonElement device) => device.GetProperty("reported").GetProperty("stats");
}
