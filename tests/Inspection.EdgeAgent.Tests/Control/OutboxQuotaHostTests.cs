using System.Globalization;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.EdgeAgent.Tests.Control;

/// <summary>The whole agent host with a tiny outbox quota and no cloud: what the fleet sees over a real broker.</summary>
public sealed class OutboxQuotaHostTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Host_OutboxFillsWithoutACloud_EvictsReportsTheCountAndAnEventAndDegradesToSafe()
    {
        var folder = _temp.Folder("frames");
        byte[] greys = [160, 200, 170, 184, 165, 190];
        for (var i = 0; i < greys.Length; i++)
        {
            Frames.WriteImage(Path.Combine(folder, $"{i:00}.png"), greys[i]);
        }

        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var fleet = await MqttObserver.ConnectAsync(broker.Port);
        // Port 1 on loopback refuses: the cloud is down, so the outbox only fills.
        var settings = AgentHost.Settings(folder, TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", broker.Port);
        settings["Outbox:MaxEntries"] = "4";
        settings["Outbox:EvictToShare"] = "0.75";
        using var host = AgentHost.Build(_temp.Path, settings);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var stats = host.Services.GetRequiredService<EdgeStats>();
        var outbox = host.Services.GetRequiredService<OutboxStore>();
        await Eventually.UntilAsync(() => stats.Frames == greys.Length, "every frame inspected");

        // A report is a snapshot taken while the quota worker may be evicting (the depth read before a pass, the
        // evicted count after it): compare with one made once every uncertain frame is either waiting or counted as
        // evicted (the count is read first, so a pass still being counted does not add up) and the outbox is back
        // under its quota, where it stays with no more frames coming.
        await Eventually.UntilAsync(
            () => stats.OutboxEvicted + outbox.Usage.Entries == greys.Length && outbox.Usage.Entries < 4,
            "the outbox back under its quota, every eviction counted");
        var settledAt = DateTimeOffset.UtcNow;
        var report = await WaitForReportAsync(fleet, r => r.ReportedAt > settledAt);
        Assert.Equal(greys.Length, report.Stats.Frames);
        Assert.Equal(stats.OutboxEvicted, report.Errors!.OutboxEvicted);
        Assert.Equal(outbox.Usage.Entries, report.Stats.OutboxDepth);
        Assert.InRange(report.Stats.OutboxDepth, 1, 4);
        Assert.Equal(greys.Length, report.Stats.OutboxDepth + report.Errors.OutboxEvicted);
        Assert.True(report.Stats.OutboxQuotaShare > 0);
        Assert.Contains(report.Automatic ?? [], a => a.Cause == "outbox-near-quota" && a.Mode == "safe");
        Assert.Equal("safe", report.Mode);

        await Eventually.UntilAsync(
            () => Events(fleet).Any(e => e.Type == "outbox-evicted" && e.Message.Contains("(quota, least-uncertain-first)", StringComparison.Ordinal)),
            "an outbox-evicted event on the broker");
        Assert.Contains(Events(fleet), e => e.Type == "degraded" && e.Message.StartsWith("outbox-near-quota", StringComparison.Ordinal));
        var results = host.Services.GetRequiredService<EdgeDatabase>().ResultCollection.FindAll().ToList();
        Assert.Equal(report.Errors.OutboxEvicted, results.Count(r => r.OutboxEvicted == "quota"));

        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static List<DeviceEvent> Events(MqttObserver fleet) =>
        fleet.PayloadsOn(MqttTopics.Events("cam-host"))
            .Select(p => MqttPayloads.TryParseEvent(Encoding.UTF8.GetBytes(p), out var e, out _) ? e : null)
            .OfType<DeviceEvent>()
            .ToList();

    private static async Task<ReportedState> WaitForReportAsync(MqttObserver fleet, Func<ReportedState, bool> condition)
    {
        ReportedState? found = null;
        await Eventually.UntilAsync(
            () => (found = fleet.PayloadsOn(MqttTopics.Reported("cam-host"))
                .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
                .OfType<ReportedState>()
                .LastOrDefault(condition)) is not null,
            "a reported state with evictions");
        return found!;
    }

    public void Dispose() => _temp.Dispose();
}
