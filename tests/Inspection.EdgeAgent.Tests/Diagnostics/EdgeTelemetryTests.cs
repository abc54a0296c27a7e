using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Inspection.EdgeAgent.Tests.Diagnostics;

/// <summary>The whole agent host with its telemetry: the meter's instruments, the scrape endpoint, the reported state.</summary>
public sealed class EdgeTelemetryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Host_FramesFlow_ReportedStateAndScrapeEqualTheInstruments()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var folder = _temp.Folder("frames");
        Frames.WriteImage(Path.Combine(folder, "01.png"), TestModels.PassGrey);
        Frames.WriteImage(Path.Combine(folder, "02.png"), TestModels.UncertainGrey);
        File.WriteAllText(Path.Combine(folder, "03.jpg"), "corrupt");
        Frames.WriteImage(Path.Combine(folder, "04.png"), TestModels.DefectGrey);
        Frames.WriteImage(Path.Combine(folder, "05.png"), TestModels.PassGrey);
        var model = TestModels.Brightness(_temp.File("model.onnx"));
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r, Contracts.V1.Verdict.Pass));
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var fleet = await MqttObserver.ConnectAsync(broker.Port);
        var (host, port) = await LoopbackPort.BindAsync(
            async candidate =>
            {
                var settings = AgentHost.Settings(folder, model, _temp.File("edge.db"), cloud.Address, broker.Port);
                settings["Telemetry:PrometheusPort"] = candidate.ToString(CultureInfo.InvariantCulture);
                var built = AgentHost.Build(_temp.Path, settings);
                try
                {
                    await built.StartAsync(cancellationToken);
                    return (built, candidate);
                }
                catch
                {
                    built.Dispose();
                    throw;
                }
            },
            static ex => ex is HttpListenerException);
        using var _ = host;
        var instruments = Instruments(host.Services.GetRequiredService<IMeterFactory>());

        await Eventually.UntilAsync(
            () => LastReport(fleet) is { Stats: { Frames: 4, Escalated: 1, OutboxDepth: 0 } },
            "a reported state after every frame was inspected and the uncertain one escalated");
        var report = LastReport(fleet)!;
        using var http = new HttpClient();
        var scrape = Scrape(await http.GetStringAsync($"http://localhost:{port}/metrics", cancellationToken));
        var values = instruments.Collect();

        Assert.Equal((2L, 1L, 1L), (report.Stats.Pass, report.Stats.Defect, report.Stats.Uncertain));
        Assert.Equal(report.Stats.Pass, values[("inspection.edge.decisions", "pass")]);
        Assert.Equal(report.Stats.Defect, values[("inspection.edge.decisions", "defect")]);
        Assert.Equal(report.Stats.Uncertain, values[("inspection.edge.decisions", "uncertain")]);
        Assert.Equal(report.Stats.Escalated, values[("inspection.edge.escalations.stored", "")]);
        Assert.Equal(report.Stats.OutboxDepth, values[("inspection.edge.outbox.depth", "")]);
        Assert.Equal(report.Errors!.Capture, values[("inspection.edge.errors", "capture")]);
        Assert.Equal(4, values[("inspection.edge.frames.read", "")]);

        Assert.Equal(report.Stats.Pass, scrape[("inspection_edge_decisions_total", "outcome=\"pass\"")]);
        Assert.Equal(report.Stats.Uncertain, scrape[("inspection_edge_decisions_total", "outcome=\"uncertain\"")]);
        Assert.Equal(report.Stats.Escalated, scrape[("inspection_edge_escalations_stored_total", "")]);
        Assert.Equal(1, scrape[("inspection_edge_escalations_sent_total", "")]);
        Assert.Equal(report.Errors!.Capture, scrape[("inspection_edge_errors_total", "kind=\"capture\"")]);
        Assert.Equal(report.Stats.Frames, scrape[("inspection_edge_inference_duration_seconds_count", "")]);
        Assert.Equal(report.Stats.Frames, scrape[("inspection_edge_frame_duration_seconds_count", "")]);
        Assert.Equal(report.Stats.OutboxDepth, scrape[("inspection_edge_outbox_depth", "")]);

        await host.StopAsync(cancellationToken);
    }

    [Fact]
    public async Task Host_TelemetryNotConfigured_NothingExportedAndNoCollectorAsked()
    {
        using var refused = LoopbackPort.Refused();
        using var host = AgentHost.Build(_temp.Path, AgentHost.Settings(_temp.Folder("frames"), TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port));

        await host.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new TelemetryExporters(null, null), host.Services.GetRequiredService<TelemetryExporters>());
        Assert.Null(host.Services.GetService<MeterProvider>());
        Assert.Null(host.Services.GetService<TracerProvider>());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Host_OtlpConfigured_ConnectsToTheCollector()
    {
        // The collector: a socket that accepts and says nothing; a connection is all this looks for.
        using var collector = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        collector.Start();
        var port = ((IPEndPoint)collector.LocalEndpoint).Port;
        using var refused = LoopbackPort.Refused();
        var settings = AgentHost.Settings(_temp.Folder("frames"), TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port);
        settings["Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{port}";
        settings["Telemetry:OtlpProtocol"] = "http/protobuf";
        using var host = AgentHost.Build(_temp.Path, settings);
        await host.StartAsync(TestContext.Current.CancellationToken);

        var accepting = collector.AcceptTcpClientAsync(TestContext.Current.CancellationToken).AsTask();
        _ = Task.Run(() => host.Services.GetRequiredService<MeterProvider>().ForceFlush(100), TestContext.Current.CancellationToken);
        using var connection = await accepting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(connection.Connected);
        Assert.NotNull(host.Services.GetService<TracerProvider>());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("Telemetry:PrometheusPort", "70000", "Telemetry:PrometheusPort must be a TCP port")]
    [InlineData("Telemetry:OtlpEndpoint", "collector:4317", "Telemetry:OtlpEndpoint 'collector:4317' is not an http:// or https:// address")]
    [InlineData("Telemetry:OtlpProtocol", "udp", "Telemetry:OtlpProtocol 'udp' is not known")]
    public async Task Host_InvalidTelemetrySetting_FailsToStartNamingTheSetting(string key, string value, string expected)
    {
        using var refused = LoopbackPort.Refused();
        var settings = AgentHost.Settings(_temp.Folder("frames"), TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port);
        settings[key] = value;
        using var host = AgentHost.Build(_temp.Path, settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ReportedState? LastReport(MqttObserver fleet) =>
        fleet.PayloadsOn(MqttTopics.Reported("cam-host"))
            .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
            .LastOrDefault(r => r is not null);

    // name and labels as written ("" without labels) → value; the scope's own labels are dropped.
    private static Dictionary<(string Name, string Label), double> Scrape(string text)
    {
        var samples = new Dictionary<(string, string), double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var close = line.IndexOf("} ", StringComparison.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var name = close >= 0 ? line[..brace] : line[..line.IndexOf(' ', StringComparison.Ordinal)];
            var labels = close >= 0 ? line[(brace + 1)..close].Split(',').Where(l => !l.StartsWith("otel_scope", StringComparison.Ordinal) && !l.StartsWith("le=", StringComparison.Ordinal)) : [];
            var value = (close >= 0 ? line[(close + 2)..] : line[(name.Length + 1)..]).Split(' ')[0];
            if (close >= 0 && line[(brace + 1)..close].Contains("le=", StringComparison.Ordinal))
            {
                continue;
            }

            samples[(name, string.Join(",", labels))] = double.Parse(value, CultureInfo.InvariantCulture);
        }

        return samples;
    }

    private static InstrumentReader Instruments(IMeterFactory factory) => new(factory);

    public void Dispose() => _temp.Dispose();

    /// <summary>Reads the agent's observable instruments of one host (its meter factory), as an exporter would.</summary>
    private sealed class InstrumentReader(IMeterFactory factory)
    {
        public Dictionary<(string Name, string Label), long> Collect()
        {
            var values = new Dictionary<(string, string), long>();
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == EdgeTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var label = tags.Length == 0 ? string.Empty : tags[0].Value?.ToString() ?? string.Empty;
                values[(instrument.Name, label)] = value;
            });
            listener.Start();
            listener.RecordObservableInstruments();
            return values;
        }
    }
}
