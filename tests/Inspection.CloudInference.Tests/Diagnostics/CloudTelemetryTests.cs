using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Inspection.CloudInference.Diagnostics;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Inspection.CloudInference.Tests.Diagnostics;

public sealed class CloudTelemetryTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Metrics_FramesFlow_ScrapeShowsTheNamedMetrics()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        // Two frames stored, one of them re-sent (a duplicate), one refused (no JPEG).
        await cloud.EscalateAsync(
            TestFrames.Request("cam-1", 1, TestFrames.UncertainGrey),
            TestFrames.Request("cam-1", 2, TestFrames.DefectGrey),
            TestFrames.Request("cam-1", 1, TestFrames.UncertainGrey),
            TestFrames.Request("cam-1", 3, []));

        var metrics = await ScrapeAsync(cloud.Http);

        Assert.Equal(4, metrics.Sum("inspection_cloud_escalations_received_total"));
        Assert.Equal(2, metrics.Sum("inspection_cloud_escalations_stored_total"));
        Assert.Equal(1, metrics.Value("inspection_cloud_escalations_stored_total", "verdict=\"defect\""));
        Assert.Equal(1, metrics.Sum("inspection_cloud_escalations_duplicates_total"));
        Assert.Equal(1, metrics.Value("inspection_cloud_escalations_refused_total", "reason=\"no-jpeg\""));
        // Two new frames ran: in one batch of two, or in two of one (the batch size is the batcher's business).
        Assert.Equal(2, metrics.Sum("inspection_cloud_batch_size_sum"));
        Assert.InRange(metrics.Sum("inspection_cloud_batch_size_count"), 1, 2);
        Assert.Equal(metrics.Sum("inspection_cloud_batch_size_count"), metrics.Sum("inspection_cloud_inference_duration_seconds_count"));
        Assert.True(metrics.Sum("inspection_cloud_inference_duration_seconds_sum") > 0);
        Assert.Equal(0, metrics.Sum("inspection_cloud_queue_depth"));
    }

    [Fact]
    public async Task Metrics_WithoutAnAccount_Refused()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        using var response = await cloud.Anonymous.GetAsync("metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_AnonymousAllowedAndMoved_AnsweredOnTheNewPathOnly()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Telemetry:MetricsAnonymous=true", "--Cloud:Telemetry:MetricsPath=/internal/metrics"]);

        using var moved = await cloud.Anonymous.GetAsync("internal/metrics", TestContext.Current.CancellationToken);
        using var old = await cloud.Http.GetAsync("metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, old.StatusCode);
    }

    [Fact]
    public async Task Metrics_PathOff_NoScrapeEndpoint()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Telemetry:MetricsPath="]);

        using var response = await cloud.Http.GetAsync("metrics", TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(cloud.App.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task Duplicates_ReSentAfterARestart_CountedInTheMetricSinceStartAndInTheStoredTotal()
    {
        await using (var first = await TestCloud.StartAsync(_directory.Path))
        {
            await first.EscalateAsync(TestFrames.Request("cam-1", 1), TestFrames.Request("cam-1", 1));
        }

        await using var second = await TestCloud.StartAsync(_directory.Path);
        var replies = await second.EscalateAsync(TestFrames.Request("cam-1", 1), TestFrames.Request("cam-1", 1));

        Assert.All(replies, r => Assert.True(r.Duplicate));
        var metrics = await ScrapeAsync(second.Http);
        Assert.Equal(2, metrics.Sum("inspection_cloud_escalations_duplicates_total"));
        var summary = await second.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal(3, summary!.DuplicatesAnswered);
    }

    [Fact]
    public async Task Otlp_NotConfigured_NoExporterAndNoTracing()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var exporters = cloud.App.Services.GetRequiredService<TelemetryExporters>();

        Assert.Null(exporters.OtlpEndpoint);
        Assert.Equal("/metrics", exporters.MetricsPath);
        Assert.Null(cloud.App.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task Otlp_Configured_ConnectsToTheCollector()
    {
        // The collector: a socket that accepts and says nothing; a connection is all this looks for.
        using var collector = new TcpListener(IPAddress.Loopback, 0);
        collector.Start();
        var port = ((IPEndPoint)collector.LocalEndpoint).Port;
        await using var cloud = await TestCloud.StartAsync(_directory.Path, [$"--Cloud:Telemetry:OtlpEndpoint=http://127.0.0.1:{port}", "--Cloud:Telemetry:OtlpProtocol=http/protobuf"]);
        await cloud.EscalateAsync(TestFrames.Request("cam-1", 1));

        var accepting = collector.AcceptTcpClientAsync(TestContext.Current.CancellationToken).AsTask();
        _ = Task.Run(() => cloud.App.Services.GetRequiredService<TracerProvider>().ForceFlush(100), TestContext.Current.CancellationToken);
        using var connection = await accepting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(connection.Connected);
        Assert.Equal($"http://127.0.0.1:{port}/", cloud.App.Services.GetRequiredService<TelemetryExporters>().OtlpEndpoint);
    }

    [Fact]
    public async Task Escalate_RequestWithTraceParent_CloudSpansContinueTheTrace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var edgeSpan = ActivitySpanId.CreateRandom();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CloudTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => spans.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(listener);
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var request = TestFrames.Request("cam-1", 7);
        request.TraceParent = $"00-{traceId.ToHexString()}-{edgeSpan.ToHexString()}-01";

        await cloud.EscalateAsync(request);

        var ours = spans.Where(s => s.TraceId == traceId).ToList();
        var escalation = Assert.Single(ours, s => s.OperationName == CloudTelemetry.EscalationSpan);
        Assert.Equal(edgeSpan, escalation.ParentSpanId);
        foreach (var name in new[] { CloudTelemetry.InferenceSpan, CloudTelemetry.StoreSpan, CloudTelemetry.VerdictSpan })
        {
            Assert.Equal(escalation.SpanId, Assert.Single(ours, s => s.OperationName == name).ParentSpanId);
        }

        Assert.Equal(1, Assert.Single(ours, s => s.OperationName == CloudTelemetry.InferenceSpan).GetTagItem("inspection.batch.size"));
    }

    [Fact]
    public async Task Escalate_MalformedTraceParent_FrameStoredUnderATraceOfItsOwn()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CloudTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => spans.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(listener);
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var request = TestFrames.Request("cam-bad-trace", 1);
        request.TraceParent = "not a trace context";

        var reply = Assert.Single(await cloud.EscalateAsync(request));

        Assert.Empty(reply.Error);
        var escalation = Assert.Single(spans, s => s.OperationName == CloudTelemetry.EscalationSpan && (string?)s.GetTagItem("inspection.device") == "cam-bad-trace");
        Assert.Equal(default, escalation.ParentSpanId);
    }

    private static async Task<ScrapedMetrics> ScrapeAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("metrics", TestContext.Current.CancellationToken);
        return ScrapedMetrics.Parse(text);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Samples of the Prometheus text format: name, labels (as written) and value.</summary>
    private sealed class ScrapedMetrics(List<(string Name, string Labels, double Value)> samples)
    {
        public static ScrapedMetrics Parse(string text)
        {
            var samples = new List<(string, string, double)>();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                // "name{labels} value [timestamp]" or "name value [timestamp]"; label values here hold no "} ".
                var close = line.IndexOf("} ", StringComparison.Ordinal);
                var brace = line.IndexOf('{', StringComparison.Ordinal);
                var name = close >= 0 ? line[..brace] : line[..line.IndexOf(' ', StringComparison.Ordinal)];
                var labels = close >= 0 ? line[(brace + 1)..close] : string.Empty;
                var value = (close >= 0 ? line[(close + 2)..] : line[(name.Length + 1)..]).Split(' ')[0];
                samples.Add((name, labels, double.Parse(value, CultureInfo.InvariantCulture)));
            }

            return new ScrapedMetrics(samples);
        }

        public double Sum(string name)
        {
            var matching = samples.Where(s => s.Name == name).ToList();
            Assert.True(matching.Count > 0, $"no sample named {name} in the scrape; names: {string.Join(", ", samples.Select(s => s.Name).Distinct())}");
            return matching.Sum(s => s.Value);
        }

        public double Value(string name, string label) =>
            Assert.Single(samples, s => s.Name == name && s.Labels.Contains(label, StringComparison.Ordinal)).Value;
    }
}
