using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.Control;

public sealed class MqttControlWorkerTests : IAsyncDisposable
{
    private const string DeviceId = "cam-1";
    private static readonly string DesiredTopic = MqttTopics.Desired(DeviceId);
    private static readonly string ReportedTopic = MqttTopics.Reported(DeviceId);
    private static readonly string StatusTopic = MqttTopics.Status(DeviceId);
    private static readonly string EventsTopic = MqttTopics.Events(DeviceId);
    private readonly TempDirectory _temp = new();
    private readonly EdgeDatabase _database;
    private readonly DeviceState _state;
    private readonly ActiveModel _model;
    private readonly List<MqttControlWorker> _workers = [];
    private readonly ListLoggerProvider _logs = new();
    private readonly ControlKey _key;
    private readonly List<DesiredStateVerifier> _verifiers = [];

    public MqttControlWorkerTests()
    {
        _key = ControlKey.Create(_temp.Folder("control-keys"));
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _state = new DeviceState(new ControlStateStore(_database));
        _model = TestModels.Unloaded(_temp.Folder("models"), _ => throw new InvalidOperationException("no model in control tests"));
    }

    [Fact]
    public async Task Desired_NormalThenLocalOnlyThenNormal_AppliedAndReportedWithTheAppliedVersion()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        await StartWorkerAsync(broker.Port);
        await WaitForStatusAsync(cloud, s => s.Online);

        await cloud.PublishAsync(DesiredTopic, Desired(1, "normal"));
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 1 && r.Mode == "normal");
        await cloud.PublishAsync(DesiredTopic, Desired(2, "local-only"));
        var localOnly = await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 2);
        await cloud.PublishAsync(DesiredTopic, Desired(3, "normal"));
        var normal = await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 3);

        Assert.Equal(("local-only", "local-only"), (localOnly.Mode, localOnly.CommandedMode));
        Assert.Equal(("normal", "normal"), (normal.Mode, normal.CommandedMode));
        Assert.Equal(DegradationMode.Normal, _state.EffectiveMode);
        Assert.Equal((3L, DegradationModes.Normal), (new ControlStateStore(_database).Load()!.Version, new ControlStateStore(_database).Load()!.Mode));
        Assert.Equal(DeviceId, normal.DeviceId);
        Assert.Equal("line-7", normal.LineId);
    }

    [Theory]
    [InlineData("this is not json", "not valid JSON")]
    [InlineData("""{"schemaVersion":1,"version":2,"mode":"turbo"}""", "is unsigned")]
    [InlineData("""{"schemaVersion":2,"state":"e30=","keyId":"k","signature":"c2ln"}""", "schemaVersion 2 is not supported")]
    public async Task Desired_Malformed_RejectedAndReportedWhileTheModeStays(string payload, string expectedError)
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        var worker = await StartWorkerAsync(broker.Port);
        await cloud.PublishAsync(DesiredTopic, Desired(1, "local-only"));
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 1);

        await cloud.PublishAsync(DesiredTopic, payload);
        var rejected = await WaitForReportAsync(cloud, r => r.LastRejected is not null);

        Assert.Contains(expectedError, rejected.LastRejected!.Error);
        Assert.Equal(DesiredTopic, rejected.LastRejected.Topic);
        Assert.Equal((1L, "local-only"), (rejected.AppliedDesiredVersion, rejected.Mode));
        await Eventually.UntilAsync(() => Events(cloud).Any(e => e.Type == "desired-rejected" && e.Message.Contains(expectedError)), "a desired-rejected event");

        // Still alive and listening: the next valid state applies.
        Assert.True(worker.IsConnected);
        await cloud.PublishAsync(DesiredTopic, Desired(2, "normal"));
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 2 && r.Mode == "normal");
    }

    [Fact]
    public async Task Desired_OlderVersion_RejectedAsReplayedAndNotApplied()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        await StartWorkerAsync(broker.Port);
        await cloud.PublishAsync(DesiredTopic, Desired(5, "local-only"));
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 5);

        await cloud.PublishAsync(DesiredTopic, Desired(3, "normal"));
        var rejected = await WaitForReportAsync(cloud, r => r.LastRejected is not null);
        await cloud.PublishAsync(DesiredTopic, Desired(6, "local-only"));
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 6);

        Assert.Equal("replayed: version 3 is below the applied version 5", rejected.LastRejected!.Error);
        // Messages on one topic arrive in order, so version 3 was handled before version 6.
        Assert.DoesNotContain(Reports(cloud), r => r.AppliedDesiredVersion == 3 || (r.AppliedDesiredVersion >= 5 && r.Mode == "normal"));
        Assert.Equal((6L, DegradationModes.LocalOnly), (new ControlStateStore(_database).Load()!.Version, new ControlStateStore(_database).Load()!.Mode));
    }

    [Fact]
    public async Task Desired_SignedByAnUnpinnedKey_RejectedAndReported()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        await StartWorkerAsync(broker.Port);
        using var rogue = ControlKey.Create(_temp.Folder("rogue"));

        await cloud.PublishAsync(DesiredTopic, rogue.Sign(new DesiredState(MqttPayloads.SchemaVersion, 1, DegradationModes.Paused, DateTimeOffset.UtcNow, "rogue", DeviceId: DeviceId)));
        var rejected = await WaitForReportAsync(cloud, r => r.LastRejected is not null);

        Assert.StartsWith($"it is signed by key {rogue.KeyId}, which this device does not trust", rejected.LastRejected!.Error);
        Assert.Equal((0L, "normal"), (rejected.AppliedDesiredVersion, rejected.Mode));
        await Eventually.UntilAsync(() => Events(cloud).Any(e => e.Type == "desired-rejected" && e.Message.Contains(rogue.KeyId)), "a desired-rejected event naming the key");
        Assert.Contains(_logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.EventId == 1505);
    }

    [Fact]
    public async Task Desired_AnotherDevicesSignedState_RejectedAndReported()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        await StartWorkerAsync(broker.Port);

        // Signed by the cloud for cam-2 and copied onto cam-1's topic.
        await cloud.PublishAsync(DesiredTopic, _key.Sign(new DesiredState(MqttPayloads.SchemaVersion, 1, DegradationModes.LocalOnly, DateTimeOffset.UtcNow, "operator", DeviceId: "cam-2")));
        var rejected = await WaitForReportAsync(cloud, r => r.LastRejected is not null);

        Assert.Equal("the signed state (version 1) is for device 'cam-2', not for this one (cam-1)", rejected.LastRejected!.Error);
        Assert.Equal((0L, "normal"), (rejected.AppliedDesiredVersion, rejected.Mode));
    }

    [Fact]
    public async Task Desired_RogueUnsignedVersion7Retained_RejectedAndTheCloudsNextStateApplies()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        // Waiting on the broker before the device even starts: the lock-out the signed states rule out.
        await cloud.PublishAsync(DesiredTopic, Encoding.UTF8.GetString(MqttPayloads.Serialize(new DesiredState(MqttPayloads.SchemaVersion, 7, DegradationModes.Paused, DateTimeOffset.UtcNow, "rogue", DeviceId: DeviceId))));
        await StartWorkerAsync(broker.Port);

        var rejected = await WaitForReportAsync(cloud, r => r.LastRejected is not null);
        Assert.Equal("the desired state (version 7) is unsigned: this device applies only states signed by the cloud's control key", rejected.LastRejected!.Error);
        Assert.Equal(0, rejected.AppliedDesiredVersion);

        // The cloud issues above what the device reports applied (0), not above the rogue 7, and it applies.
        await cloud.PublishAsync(DesiredTopic, Desired(1, "local-only"));
        var applied = await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 1);
        Assert.Equal("local-only", applied.Mode);
    }

    [Fact]
    public async Task Desired_AppliedVersionWithOtherContent_RejectedAsReplayed()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        await StartWorkerAsync(broker.Port);
        await cloud.PublishAsync(DesiredTopic, Desired(3, "local-only"));
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 3);

        await cloud.PublishAsync(DesiredTopic, Desired(3, "normal"));
        var rejected = await WaitForReportAsync(cloud, r => r.LastRejected is not null);

        Assert.Equal("replayed: version 3 is already applied with other content", rejected.LastRejected!.Error);
        Assert.Equal("local-only", rejected.Mode);
    }

    [Fact]
    public async Task Desired_RetainedStateRedeliveredToARestartedAgent_IgnoredWithoutARejection()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        var first = await StartWorkerAsync(broker.Port);
        await cloud.PublishAsync(DesiredTopic, Desired(2, "local-only"));
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 2);
        await first.StopAsync(TestContext.Current.CancellationToken);

        // The same database, a new agent: the broker hands it the retained version 2 on subscribe.
        var state = new DeviceState(new ControlStateStore(_database));
        await StartWorkerAsync(broker.Port, state: state);
        var verifier = _verifiers[^1];
        await Eventually.UntilAsync(() => verifier.Redelivered == 1, "the retained state redelivered");

        Assert.Equal((0L, 0L), (verifier.Accepted, verifier.Rejected));
        Assert.Null(state.LastRejected);
        Assert.Equal(DegradationMode.LocalOnly, state.CommandedMode);
    }

    [Fact]
    public async Task Desired_TenThousandFuzzedPayloadsOnDesiredAndOta_NoneAppliedAllRejectedAndTheWorkerStillApplies()
    {
        const int Count = 10_000;
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        var worker = await StartWorkerAsync(broker.Port);
        var verifier = _verifiers[^1];
        var valid = Encoding.UTF8.GetBytes(Desired(1, "local-only"));
        await cloud.PublishAsync(DesiredTopic, valid, retain: true);
        await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 1);
        using var rogue = ControlKey.Create(_temp.Folder("rogue"));
        var fuzzer = new PayloadFuzzer(seed: 20_260_301, valid, rogue, DeviceId);
        var otaTopic = $"{MqttTopics.Root}/devices/{DeviceId}/ota";
        var kinds = new int[PayloadFuzzer.Kinds];
        var onDesired = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        for (var sent = 0; sent < Count;)
        {
            var batch = new List<Task>();
            for (var i = 0; i < 100 && sent < Count; i++, sent++)
            {
                var payload = fuzzer.Next(out var kind);
                kinds[kind]++;
                // One in five on `ota`: the device subscribes to no such topic, so those must change nothing.
                var desired = sent % 5 != 0;
                onDesired += desired ? 1 : 0;
                batch.Add(cloud.PublishAsync(desired ? DesiredTopic : otaTopic, payload, retain: false));
            }

            await Task.WhenAll(batch);
        }

        await Eventually.UntilAsync(() => verifier.Rejected + verifier.Redelivered == onDesired, $"all {onDesired} fuzzed desired payloads handled");
        var fuzzTime = clock.Elapsed;
        await cloud.PublishAsync(DesiredTopic, Desired(2, "normal"));
        var applied = await WaitForReportAsync(cloud, r => r.AppliedDesiredVersion == 2);

        var summary =
            $"fuzz: {Count} payloads ({onDesired} on desired, {Count - onDesired} on ota) in {fuzzTime.TotalSeconds:F2} s; " +
            $"rejected {verifier.Rejected}, redelivered-ignored {verifier.Redelivered}, accepted {verifier.Accepted - 2}; by kind [{string.Join(", ", kinds)}]";
        TestContext.Current.TestOutputHelper!.WriteLine(summary);
        // On the console as well: the run's figures belong in the build log, not only in a report file.
        Console.WriteLine(summary);
        Assert.Equal(2, verifier.Accepted);
        Assert.Equal(onDesired, verifier.Rejected + verifier.Redelivered);
        Assert.True(verifier.Rejected > onDesired * 9 / 10, $"only {verifier.Rejected} of {onDesired} were rejected; the rest were taken for the applied state");
        Assert.Equal("normal", applied.Mode);
        Assert.True(worker.IsConnected);
        Assert.False(worker.ExecuteTask!.IsCompleted);
        Assert.DoesNotContain(_logs.Entries, e => e.EventId == 1508);
    }

    [Fact]
    public async Task Verdicts_SignedVerdictOverTheBroker_RecordedAndCountedInTheReportedState()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        _database.PartCollection.Insert(new PartRecord { Id = 5, CloudVerdict = "uncertain" });
        await StartWorkerAsync(broker.Port);
        await WaitForStatusAsync(cloud, s => s.Online);

        var payload = _key.SignVerdict(Verdict("v-5", 5) with { Number = 1 });
        await cloud.PublishAsync(MqttTopics.Verdicts(DeviceId), payload, retain: false);
        await cloud.PublishAsync(MqttTopics.Verdicts(DeviceId), payload, retain: false);
        await cloud.PublishAsync(MqttTopics.Verdicts(DeviceId), _key.SignVerdict(Verdict("v-6", 6) with { Number = 2 }), retain: false);
        var report = await WaitForReportAsync(cloud, r => r.Stats.Reviews is { Unknown: 1, ConfirmedThrough: 2 });

        Assert.Equal(new ReviewStats(Defect: 1, Pass: 0, Unknown: 1, Refused: 0, LastId: "v-5", ConfirmedThrough: 2), report.Stats.Reviews);
        Assert.Equal(("defect", "review", "uncertain"), (_database.PartCollection.FindById(5).FinalVerdict, _database.PartCollection.FindById(5).FinalVerdictSource, _database.PartCollection.FindById(5).CloudVerdict));
    }

    [Fact]
    public async Task Verdicts_SentWhileTheDeviceIsOffline_DeliveredWhenItReconnects()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        _database.PartCollection.Insert(new PartRecord { Id = 8 });
        var first = await StartWorkerAsync(broker.Port);
        await WaitForStatusAsync(cloud, s => s.Online);
        await first.StopAsync(TestContext.Current.CancellationToken);
        await WaitForStatusAsync(cloud, s => !s.Online);

        await cloud.PublishAsync(MqttTopics.Verdicts(DeviceId), _key.SignVerdict(Verdict("v-8", 8)), retain: false);
        Assert.Null(_database.PartCollection.FindById(8).FinalVerdict);
        var stats = new EdgeStats();
        await StartWorkerAsync(broker.Port, stats);

        await Eventually.UntilAsync(() => stats.ReviewedDefect == 1, "the verdict queued in the device's session");
        Assert.Equal("defect", _database.PartCollection.FindById(8).FinalVerdict);
    }

    [Fact]
    public async Task Verdicts_UnsignedOnTheTopic_RejectedReportedAndCounted()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        _database.PartCollection.Insert(new PartRecord { Id = 5 });
        await StartWorkerAsync(broker.Port);
        await WaitForStatusAsync(cloud, s => s.Online);

        await cloud.PublishAsync(MqttTopics.Verdicts(DeviceId), MqttPayloads.Serialize(Verdict("v-5", 5)), retain: false);
        var report = await WaitForReportAsync(cloud, r => r.Stats.Reviews is { Refused: 1 });

        Assert.Equal("the verdict \"v-5\" is unsigned: this device records only verdicts signed by the cloud's control key", report.LastRejected!.Error);
        Assert.Equal(MqttTopics.Verdicts(DeviceId), report.LastRejected.Topic);
        await Eventually.UntilAsync(() => Events(cloud).Any(e => e.Type == "verdict-rejected"), "a verdict-rejected event");
        Assert.Null(_database.PartCollection.FindById(5).FinalVerdict);
    }

    [Fact]
    public async Task BrokerRestart_WorkerReconnectsResubscribesAndAppliesANewDesiredState()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await StartWorkerAsync(broker.Port);
        await using (var before = await MqttObserver.ConnectAsync(broker.Port))
        {
            await before.PublishAsync(DesiredTopic, Desired(1, "local-only"));
            await WaitForReportAsync(before, r => r.AppliedDesiredVersion == 1);
        }

        await broker.StopAsync();
        await broker.StartAsync(TestContext.Current.CancellationToken);
        await using var after = await MqttObserver.ConnectAsync(broker.Port);
        await WaitForStatusAsync(after, s => s.Online);
        await after.PublishAsync(DesiredTopic, Desired(2, "normal"));

        var report = await WaitForReportAsync(after, r => r.AppliedDesiredVersion == 2);
        Assert.Equal("normal", report.Mode);
    }

    [Fact]
    public async Task ConnectionDropsUncleanly_BrokerPublishesTheLastWill()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        using var cable = new TcpProxy(broker.Port);
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        await StartWorkerAsync(cable.Port);
        await WaitForStatusAsync(cloud, s => s.Online);

        cable.Cut();

        var will = await WaitForStatusAsync(cloud, s => !s.Online);
        Assert.Equal("last-will", will.Reason);
        Assert.Equal(DeviceId, will.DeviceId);
    }

    [Fact]
    public async Task StopAsync_GracefulStop_AnnouncesOfflineShutdownRetained()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        // Subscribed before the worker starts, so the online status arrives live: a subscription racing the
        // worker's first publish could see neither the live message nor, yet, the retained one.
        MqttControlWorker worker;
        await using (var cloud = await MqttObserver.ConnectAsync(broker.Port))
        {
            worker = await StartWorkerAsync(broker.Port);
            await WaitForStatusAsync(cloud, s => s.Online);
        }

        await worker.StopAsync(TestContext.Current.CancellationToken);

        // A late subscriber sees the retained status: offline, by shutdown (not the last will).
        await using var late = await MqttObserver.ConnectAsync(broker.Port);
        var status = await WaitForStatusAsync(late, _ => true);
        Assert.False(status.Online);
        Assert.Equal("shutdown", status.Reason);
        Assert.False(worker.IsConnected);
    }

    [Fact]
    public async Task Reported_Heartbeat_CarriesPipelineStatsAndAgentState()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        var stats = new EdgeStats();
        stats.FrameInspected(global::Inspection.Detection.Decision.Uncertain, 41);
        stats.FrameInspected(global::Inspection.Detection.Decision.Pass, 42);
        stats.CaptureError();
        stats.DetectorError();
        stats.DetectorError();
        stats.OutboxWriteFailed();
        new OutboxStore(_database).Add(new OutboxEntry { Id = 41 });
        await StartWorkerAsync(broker.Port, stats);

        var report = await WaitForReportAsync(cloud, r => r.Stats.Frames == 2);

        Assert.Equal((2L, 1L, 1L, 0L, 1L, 42L), (report.Stats.Frames, report.Stats.Pass, report.Stats.Uncertain, report.Stats.Defect, report.Stats.OutboxDepth, report.Stats.LastSequence));
        Assert.Equal(new PipelineErrors(Capture: 1, Detector: 2, Storage: 0, OutboxWrites: 1, OutboxDropped: 0), report.Errors);
        Assert.Equal(AgentVersion.Current, report.AgentVersion);
        Assert.Equal(0, report.AppliedDesiredVersion);
        Assert.Null(report.LastRejected);
    }

    [Fact]
    public async Task Events_AfterConnectAndOnOutboxWriteFailures_AnnounceTheAgentVersionAndTheFailures()
    {
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var cloud = await MqttObserver.ConnectAsync(broker.Port);
        var stats = new EdgeStats();
        await StartWorkerAsync(broker.Port, stats);
        await Eventually.UntilAsync(() => Events(cloud).Any(e => e.Type == "started" && e.Message.Contains(AgentVersion.Current)), "a started event with the agent version");

        stats.OutboxWriteFailed();
        stats.SetOutboxPendingRetry(1);

        await Eventually.UntilAsync(
            () => Events(cloud).Any(e => e.Type == "outbox-write-failed" && e.Message.Contains("1 uncertain frames wait in memory")),
            "an outbox-write-failed event");
    }

    private async Task<MqttControlWorker> StartWorkerAsync(int port, EdgeStats? stats = null, DeviceState? state = null)
    {
        state ??= _state;
        var edge = TestOptions.Edge(DeviceId);
        var reporting = TestOptions.Of(new ReportingOptions { IntervalSeconds = 1 });
        stats ??= new EdgeStats();
        var events = new DeviceEvents(edge, TimeProvider.System);
        var verdicts = new ReviewVerdictStore(_database);
        var reports = new ReportedStateBuilder(state, _model, stats, new OutboxStore(_database), verdicts, new ForwardingState(), new OtaProgressFeed(), events, new AgentUpdateStore(_temp.Folder("agent-update")), edge, reporting, TimeProvider.System);
        var verifier = new DesiredStateVerifier(_key.Trust(), state, DeviceId);
        _verifiers.Add(verifier);
        var worker = new MqttControlWorker(
            state,
            reports,
            stats,
            new OtaProgressFeed(),
            events,
            new DesiredStateHandler(state, verifier, events, TimeProvider.System, _logs.CreateLogger<DesiredStateHandler>()),
            new ReviewVerdictHandler(verifier, verdicts, state, events, stats, edge, TimeProvider.System, _logs.CreateLogger<ReviewVerdictHandler>()),
            TestOptions.Of(new MqttOptions { Port = port, ReconnectDelaySeconds = 1 }),
            reporting,
            edge,
            TimeProvider.System,
            _logs.CreateLogger<MqttControlWorker>());
        _workers.Add(worker);
        await worker.StartAsync(TestContext.Current.CancellationToken);
        return worker;
    }

    private string Desired(long version, string mode) =>
        _key.Sign(new DesiredState(MqttPayloads.SchemaVersion, version, mode, DateTimeOffset.UtcNow, "test", DeviceId: DeviceId));

    private static ReviewVerdict Verdict(string id, long part) =>
        new(MqttPayloads.SchemaVersion, id, DeviceId, $"{DeviceId}/{part}", part, IsPart: true, ReviewVerdicts.Defect, "accept", "alice", DateTimeOffset.UtcNow);

    private static List<DeviceEvent> Events(MqttObserver cloud) =>
        cloud.PayloadsOn(EventsTopic)
            .Select(p => MqttPayloads.TryParseEvent(Encoding.UTF8.GetBytes(p), out var e, out _) ? e : null)
            .OfType<DeviceEvent>()
            .ToList();

    private static List<ReportedState> Reports(MqttObserver cloud) =>
        cloud.PayloadsOn(ReportedTopic)
            .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
            .OfType<ReportedState>()
            .ToList();

    private static async Task<ReportedState> WaitForReportAsync(MqttObserver cloud, Func<ReportedState, bool> condition)
    {
        ReportedState? found = null;
        await Eventually.UntilAsync(() => (found = Reports(cloud).LastOrDefault(condition)) is not null, "a matching reported state");
        return found!;
    }

    private async Task<DeviceStatus> WaitForStatusAsync(MqttObserver cloud, Func<DeviceStatus, bool> condition)
    {
        DeviceStatus? found = null;
        await WithWorkerLogAsync(() => Eventually.UntilAsync(
            () => (found = cloud.PayloadsOn(StatusTopic)
                .Select(p => MqttPayloads.TryParseStatus(Encoding.UTF8.GetBytes(p), out var s, out _) ? s : null)
                .OfType<DeviceStatus>()
                .LastOrDefault(condition)) is not null,
            "a matching device status"));
        return found!;
    }

    /// <summary>A timeout here says little by itself; the worker's own log says what it was doing.</summary>
    private async Task WithWorkerLogAsync(Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException ex)
        {
            var log = string.Join(Environment.NewLine, _logs.Entries.Select(e => $"{e.Level}: {e.Message}"));
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}Worker log:{Environment.NewLine}{log}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }

        foreach (var verifier in _verifiers)
        {
            verifier.Dispose();
        }

        _key.Dispose();
        _database.Dispose();
        _temp.Dispose();
    }
}
