using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests;

/// <summary>
/// Invariant 2: nothing acknowledged is lost, and retries never duplicate — across a cloud outage and a kill -9.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task EdgeKilledWhileCloudDown_RestartedWithCloudUp_DrainsOutboxWithoutDuplicatesOrReusedSequences()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = new InspectionSystem();
        var video = system.RenderLine(seed: 6, frames: 90);
        const string deviceId = "e2e-crash";

        // The cloud is down (nothing listens on its port): the line keeps running, the device degrades to local-only
        // on its own (cause cloud-unreachable, found by its health probes) and uncertain frames pile up in the outbox.
        // The band 0.2 / 1 makes every frame with a detection uncertain: the shipped edge model gives this seed's defect
        // 0.98–1.00, which any lower upper edge would reject. A real mosquitto carries the device's reported state to
        // this test, which watches it as an operator's tool would.
        await using var broker = await MosquittoBroker.StartAsync(ct);
        using var watcher = await ReportedStateWatcher.StartAsync(broker.Port, deviceId, ct);
        system.MqttPort = broker.Port;
        var first = system.StartEdge(deviceId, video, loop: true, maxFps: 0, "--Decision:Lower=0.2", "--Decision:Upper=1");
        await Eventually.WaitAsync(
            "the device degraded to local-only by itself, with uncertain frames waiting in its outbox",
            _ => Task.FromResult(watcher.Latest),
            r => r is { Mode: "local-only", CommandedMode: "normal", Stats.OutboxDepth: >= 5 } && r.Automatic?.Any(a => a.Cause == "cloud-unreachable") == true,
            TimeSpan.FromSeconds(60),
            ct,
            first);
        await first.KillHardAsync();
        var afterCrash = system.ReadEdgeDatabase(deviceId);
        Assert.True(afterCrash.OutboxDepth > 0, $"the outbox was empty after the crash.{Environment.NewLine}{first}");
        Assert.Equal(afterCrash.Uncertain.Count, afterCrash.OutboxDepth);

        // The cloud comes back with its own embedded broker, on a port of its own.
        system.MqttPort = LoopbackPort.Candidate();
        var cloud = await system.StartCloudAsync(embeddedBroker: true, ct);
        var second = system.StartEdge(deviceId, video, loop: false, maxFps: 0, "--Decision:Lower=0.2", "--Decision:Upper=1");
        await Eventually.WaitAsync(
            "the outbox to drain into the cloud after the restart",
            c => system.Api.GetAsync("/api/summary", c),
            s => s.GetProperty("escalationsStored").GetInt64() >= afterCrash.OutboxDepth,
            TimeSpan.FromSeconds(90),
            ct,
            cloud,
            second);
        await Eventually.WaitAsync(
            "the restarted agent to finish its video with an empty outbox",
            async c => await system.Api.FindDeviceAsync(deviceId, c),
            d => d is { } e && e.GetProperty("reported").GetProperty("stats").GetProperty("frames").GetInt64() == 90
                 && e.GetProperty("reported").GetProperty("stats").GetProperty("outboxDepth").GetInt64() == 0,
            TimeSpan.FromSeconds(90),
            ct,
            cloud,
            second);
        await second.StopAsync(TimeSpan.FromSeconds(20));

        var final = system.ReadEdgeDatabase(deviceId);
        var keys = await system.Api.EscalationKeysAsync(ct);
        Assert.Equal(final.Sequences.Count, final.Sequences.Distinct().Count());
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(final.Uncertain.Order(), keys.Select(k => k.Sequence).Order());
        Assert.Equal(0, final.OutboxDepth);
        Assert.True(afterCrash.Uncertain.All(final.Uncertain.Contains), "an uncertain frame recorded before the crash is gone");
        // Sequences of the second run continue above those of the first: a kill -9 never reuses one.
        Assert.True(final.Sequences.Max() > afterCrash.Sequences.Max());
        Assert.Equal(final.Uncertain.Count, (await system.Api.GetAsync("/api/summary", ct)).GetProperty("escalationsStored").GetInt64());
    }
}
