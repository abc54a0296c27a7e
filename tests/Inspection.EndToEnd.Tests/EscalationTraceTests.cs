using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.CloudInference;
using Inspection.CloudInference.Diagnostics;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Inspection.EndToEnd.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace Inspection.EndToEnd.Tests;

/// <summary>
/// One escalated frame is one trace across edge and cloud, in one process: the edge's span recorded as the frame goes
/// to the outbox (LiteDB on disk), the database closed and reopened as after a restart of the agent, the frame forwarded
/// by the agent's forwarder to the real cloud app on Kestrel (127.0.0.1, the real cloud model), and the cloud's spans and
/// logs carrying the same trace id.
/// </summary>
public sealed class EscalationTraceTests : IDisposable
{
    private const string DeviceId = "trace-cam";
    private readonly TempDirectory _temp = new();
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public EscalationTraceTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name is EdgeTelemetry.ActivitySourceName or CloudTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task Forward_AfterAnAgentRestart_CloudSpansAndLogsShareTheEdgeSpansTraceId()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var databasePath = _temp.File("edge.db");

        // Before the restart: the frame found uncertain, its span recorded and its entry written with the trace context.
        string traceParent;
        using (var database = new EdgeDatabase(databasePath))
        {
            var decidedAt = DateTimeOffset.UtcNow;
            traceParent = EdgeTelemetry.RecordEscalated(EdgeTelemetry.InferenceSpan, decidedAt.AddMilliseconds(-25), decidedAt, 1, "uncertain: scratch 0.50");
            var record = new InspectionRecord { Id = 1, Decision = Detection.Decision.Uncertain, CapturedAt = decidedAt.UtcDateTime };
            new OutboxStore(database).Escalate(record, Entry(1, traceParent, decidedAt.UtcDateTime));
        }

        var edgeSpan = Assert.Single(_spans, s => s.OperationName == EdgeTelemetry.InferenceSpan && s.Id == traceParent);
        var logs = new ScopeCapturingLoggerProvider();
        using var refused = LoopbackPort.Refused();
        await using var cloud = await StartCloudAsync(refused.Port, logs, cancellationToken);
        var grpc = cloud.Services.GetRequiredService<CloudEndpoints>().Grpc;

        // After the restart: the outbox reopened from the file, the entry forwarded by the agent's own forwarder.
        using (var database = new EdgeDatabase(databasePath))
        using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc.Port}"))
        {
            var outbox = new OutboxStore(database);
            Assert.Equal(traceParent, outbox.Find(1)!.TraceParent);
            var forwarder = Forwarder(channel, database, outbox);

            var result = await forwarder.ForwardDueAsync(cancellationToken);

            Assert.Equal(1, result.Stored);
            Assert.Null(outbox.Find(1));
        }

        var trace = _spans.Where(s => s.TraceId == edgeSpan.TraceId).ToList();
        var escalation = Assert.Single(trace, s => s.OperationName == CloudTelemetry.EscalationSpan);
        Assert.Equal(edgeSpan.SpanId, escalation.ParentSpanId);
        Assert.Equal(DeviceId, escalation.GetTagItem("inspection.device"));
        foreach (var name in new[] { CloudTelemetry.InferenceSpan, CloudTelemetry.StoreSpan, CloudTelemetry.VerdictSpan })
        {
            Assert.Equal(escalation.SpanId, Assert.Single(trace, s => s.OperationName == name).ParentSpanId);
        }

        // The cloud's log line for the stored escalation names the trace in its scope.
        var stored = Assert.Single(logs.Entries, e => e.Category == typeof(CloudInference.Escalations.EscalationProcessor).FullName && e.Message.Contains($"{DeviceId}/1", StringComparison.Ordinal));
        Assert.Equal(edgeSpan.TraceId.ToHexString(), stored.Scope.GetValueOrDefault("TraceId"));
    }

    [Fact]
    public async Task Forward_EntryFromBeforeTraces_StoredUnderATraceOfTheCloudsOwn()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var database = new EdgeDatabase(_temp.File("old.db"));
        var outbox = new OutboxStore(database);
        outbox.Escalate(new InspectionRecord { Id = 5, Decision = Detection.Decision.Uncertain }, Entry(5, traceParent: null, DateTime.UtcNow));
        using var refused = LoopbackPort.Refused();
        await using var cloud = await StartCloudAsync(refused.Port, new ScopeCapturingLoggerProvider(), cancellationToken);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cloud.Services.GetRequiredService<CloudEndpoints>().Grpc.Port}");

        var result = await Forwarder(channel, database, outbox).ForwardDueAsync(cancellationToken);

        Assert.Equal(1, result.Stored);
        var escalation = Assert.Single(_spans, s => s.OperationName == CloudTelemetry.EscalationSpan && (string?)s.GetTagItem("inspection.device") == DeviceId);
        Assert.Equal(default, escalation.ParentSpanId);
    }

    private static OutboxEntry Entry(long sequence, string? traceParent, DateTime at)
    {
        using var frame = new Mat(480, 640, MatType.CV_8UC3, new Scalar(120, 120, 120));
        return new OutboxEntry
        {
            Id = sequence,
            LineId = "line-1",
            CapturedAt = at,
            Jpeg = frame.ImEncode(".jpg"),
            Width = frame.Width,
            Height = frame.Height,
            ModelName = "edge",
            ModelVersion = "1.0.0",
            Reason = "uncertain: scratch 0.50",
            NextAttemptAt = at,
            TraceParent = traceParent,
        };
    }

    private static OutboxForwarder Forwarder(GrpcChannel channel, EdgeDatabase database, OutboxStore outbox)
    {
        var edge = Options.Create(new EdgeOptions { DeviceId = DeviceId });
        return new OutboxForwarder(
            new Escalation.EscalationClient(channel),
            new Health.HealthClient(channel),
            outbox,
            new DeviceState(new ControlStateStore(database)),
            new DeviceEvents(edge, TimeProvider.System),
            new EdgeStats(),
            new ForwardingState(),
            Options.Create(new EdgeAgent.Forwarding.CloudOptions { Address = channel.Target, DeadlineSeconds = 60 }),
            Options.Create(new DegradationOptions()),
            edge,
            TimeProvider.System,
            NullLogger<OutboxForwarder>.Instance);
    }

    private async Task<WebApplication> StartCloudAsync(int refusedPort, ILoggerProvider logs, CancellationToken cancellationToken)
    {
        var app = CloudInferenceApp.Build(
        [
            "--Cloud:GrpcUrl=http://127.0.0.1:0",
            "--Cloud:HttpUrl=http://127.0.0.1:0",
            $"--Cloud:StoragePath={_temp.File("cloud.db")}",
            "--Cloud:Broker:Enabled=false",
            $"--Cloud:Mqtt:Port={refusedPort}",
            $"--Detector:ModelPath={RepoPaths.CloudModel}",
            "--Detector:ExecutionProviders:0=CPU",
            "--Detector:WarmupRuns=1",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Inspection.CloudInference.Escalations=Information",
        ], builder => builder.Logging.AddProvider(logs));
        await app.StartAsync(cancellationToken);
        return app;
    }

    public void Dispose()
    {
        _listener.Dispose();
        _temp.Dispose();
    }
}
