using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Tests.Inspection;

/// <summary>The whole agent host (AddEdgeAgent) on a folder of frames, a tiny real model, a test cloud and an embedded broker.</summary>
public sealed class InspectionWorkerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Host_FolderOfFrames_InspectsRecordsSkipsTheCorruptOneAndEscalatesTheUncertainOne()
    {
        var folder = _temp.Folder("frames");
        Frames.WriteImage(Path.Combine(folder, "01.png"), TestModels.PassGrey);
        Frames.WriteImage(Path.Combine(folder, "02.png"), TestModels.UncertainGrey);
        File.WriteAllText(Path.Combine(folder, "03.jpg"), "corrupt");
        Frames.WriteImage(Path.Combine(folder, "04.png"), TestModels.DefectGrey);
        var model = TestModels.Brightness(_temp.File("model.onnx"));
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r, Contracts.V1.Verdict.Pass));
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var fleet = await MqttObserver.ConnectAsync(broker.Port);
        using var host = AgentHost.Build(_temp.Path, AgentHost.Settings(folder, model, _temp.File("edge.db"), cloud.Address, broker.Port));

        await host.StartAsync(TestContext.Current.CancellationToken);
        var stats = host.Services.GetRequiredService<EdgeStats>();
        var database = host.Services.GetRequiredService<EdgeDatabase>();
        var outbox = host.Services.GetRequiredService<OutboxStore>();
        await Eventually.UntilAsync(() => stats.Frames == 3 && stats.Escalated == 1 && outbox.Count() == 0, "three frames inspected and one escalated");

        Assert.Equal((1L, 1L, 1L, 1L), (stats.Pass, stats.Uncertain, stats.Defect, stats.CaptureErrors));
        var error = Assert.Single(database.CaptureErrorCollection.FindAll());
        Assert.Equal("03.jpg", error.Origin);
        var escalated = Assert.Single(cloud.Behaviour.Received);
        Assert.Equal("cam-host", escalated.Key.DeviceId);
        Assert.Equal("line-3", escalated.LineId);
        var result = database.ResultCollection.FindById((long)escalated.Key.Sequence);
        Assert.Equal(Decision.Uncertain, result.Decision);
        Assert.Equal("pass", result.CloudVerdict);

        await Eventually.UntilAsync(
            () => fleet.PayloadsOn(MqttTopics.Reported("cam-host")).Any(p =>
                MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) && r.Stats.Frames == 3 && r.Stats.Escalated == 1),
            "a reported state with the pipeline counters");
        var report = fleet.PayloadsOn(MqttTopics.Reported("cam-host"))
            .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
            .Last(r => r is not null)!;
        Assert.Equal(("brightness test model", "0.0.1", "CPU"), (report.Model.Name, report.Model.Version, report.ExecutionProvider));

        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Host_Started_ModelIsLoadedAndWarmBeforeTheHostReportsStarted()
    {
        var folder = _temp.Folder("frames");
        var model = TestModels.Brightness(_temp.File("model.onnx"));
        using var refused = LoopbackPort.Refused();
        using var host = AgentHost.Build(_temp.Path, AgentHost.Settings(folder, model, _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port));
        var loadedWhenStarted = false;
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var modelHost = host.Services.GetRequiredService<ActiveModel>();
        lifetime.ApplicationStarted.Register(() => loadedWhenStarted = modelHost.IsLoaded);

        await host.StartAsync(TestContext.Current.CancellationToken);

        Assert.True(loadedWhenStarted);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Host_ModelFileMissing_FailsToStartWithTheModelPathInTheError()
    {
        var missing = _temp.File("no-such-model.onnx");
        using var refused = LoopbackPort.Refused();
        using var host = AgentHost.Build(_temp.Path, AgentHost.Settings(_temp.Folder("frames"), missing, _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port));

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("no-such-model.onnx", error.Message);
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested);
    }

    [Theory]
    [InlineData("Edge:DeviceId", "line 1/cam+", "Edge:DeviceId 'line 1/cam+' is not valid")]
    [InlineData("Edge:DeviceId", "", "Edge:DeviceId is required")]
    [InlineData("Decision:Lower", "0.9", "the upper edge of the uncertain band must be between the lower edge")]
    [InlineData("Capture:Source", "usb:2", "unknown source kind 'usb:'")]
    [InlineData("Cloud:Address", "cloud-host:5100", "Cloud:Address 'cloud-host:5100' is not an http:// or https:// address")]
    [InlineData("Mqtt:Port", "70000", "Mqtt:Port must be a TCP port")]
    [InlineData("Outbox:JpegQuality", "0", "Outbox:JpegQuality must be between 1 and 100")]
    [InlineData("Detector:ScoreThreshold", "0.7", "Detector:ScoreThreshold must not be above Decision:Lower")]
    public async Task Host_InvalidSetting_FailsToStartWithAMessageThatNamesTheSetting(string key, string value, string expected)
    {
        using var refused = LoopbackPort.Refused();
        var settings = AgentHost.Settings(_temp.Folder("frames"), TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port);
        settings[key] = value;
        using var host = AgentHost.Build(_temp.Path, settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message);
    }

    public void Dispose() => _temp.Dispose();
}
