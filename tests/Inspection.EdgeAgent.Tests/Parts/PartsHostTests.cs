using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>The whole agent host (AddEdgeAgent) with parts: configuration, escalation to a test cloud, reported state.</summary>
public sealed class PartsHostTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Host_TriggerSource_EscalatesTheUncertainFrameAsAPartAndReportsThePartCounters()
    {
        var folder = _temp.Folder("frames");
        Frames.WriteImage(Path.Combine(folder, "01.png"), TestModels.PassGrey);
        Frames.WriteImage(Path.Combine(folder, "02.png"), TestModels.UncertainGrey);
        Frames.WriteImage(Path.Combine(folder, "03.png"), TestModels.DefectGrey);
        var model = TestModels.Brightness(_temp.File("model.onnx"));
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r, Contracts.V1.Verdict.Pass));
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var fleet = await MqttObserver.ConnectAsync(broker.Port);
        var settings = AgentHost.Settings(folder, model, _temp.File("edge.db"), cloud.Address, broker.Port);
        settings["Parts:Source"] = "trigger";
        using var host = AgentHost.Build(_temp.Path, settings);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var stats = host.Services.GetRequiredService<EdgeStats>();
        var outbox = host.Services.GetRequiredService<OutboxStore>();
        await Eventually.UntilAsync(() => stats.Frames == 3 && stats.PartsEscalated == 1 && outbox.Count() == 0, "three parts decided and one escalated");

        var request = Assert.Single(cloud.Behaviour.Received);
        Assert.Equal(("trigger", request.Key.Sequence, request.Key.Sequence), (request.Part.Source, request.Part.PartId, request.Part.FrameSequence));
        Assert.Null(request.Part.PartBox);
        Assert.Empty(request.PartFrames);
        Assert.Equal("pass", outbox.FindPart((long)request.Key.Sequence)!.CloudVerdict);
        Assert.Equal(Decision.Uncertain, outbox.FindPart((long)request.Key.Sequence)!.EdgeDecision);

        await Eventually.UntilAsync(
            () => fleet.PayloadsOn(MqttTopics.Reported("cam-host")).Any(p =>
                MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) && r.Stats.Parts is { Escalated: 1 }),
            "a reported state with the part counters");
        var parts = fleet.PayloadsOn(MqttTopics.Reported("cam-host"))
            .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
            .Last(r => r?.Stats.Parts is not null)!.Stats.Parts!;
        Assert.Equal(("trigger", 1L, 1L, 1L, 1L, 0L), (parts.Source, parts.Passed, parts.Rejected, parts.Uncertain, parts.Escalated, parts.InView));

        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Host_UnknownPartsSource_FailsToStartNamingTheKey()
    {
        var folder = _temp.Folder("frames");
        var settings = AgentHost.Settings(folder, TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", 1);
        settings["Parts:Source"] = "photo-eye";
        using var host = AgentHost.Build(_temp.Path, settings);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<PartsOptions>>().Value);

        Assert.Contains("Parts:Source is 'photo-eye'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
