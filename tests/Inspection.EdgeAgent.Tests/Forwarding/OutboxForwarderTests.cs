using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Inspection.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Forwarding;

public sealed class OutboxForwarderTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly EdgeDatabase _database;
    private readonly OutboxStore _outbox;
    private readonly ResultStore _results;
    private readonly DeviceState _state;
    private readonly EdgeStats _stats = new();
    private readonly ForwardingState _forwarding = new();
    private readonly DeviceEvents _events;

    // Starts at the real time: gRPC deadlines are absolute wall-clock times.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<GrpcChannel> _channels = [];

    public OutboxForwarderTests()
    {
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _outbox = new OutboxStore(_database);
        _results = new ResultStore(_database, TestOptions.Of(new StorageOptions()));
        _state = new DeviceState(new ControlStateStore(_database));
        _events = new DeviceEvents(TestOptions.Edge(), _time);
    }

    [Fact]
    public async Task ForwardDueAsync_FrameLargerThanTheCloudAccepts_RefusedOnTheDeviceAndNeverSent()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(1);
        _outbox.Add(new OutboxEntry
        {
            Id = 2,
            LineId = "line-1",
            Jpeg = new byte[global::Inspection.Contracts.Escalations.EscalationLimits.MaxMessageBytes + 1],
            Width = 4096,
            Height = 4096,
            ModelName = "edge",
            ModelVersion = "1.0.0",
            Reason = "uncertain",
            NextAttemptAt = _time.GetUtcNow().UtcDateTime,
        });

        var result = await CreateForwarder(cloud.Address).ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new ForwardingResult(ForwardingStatus.Sent, Sent: 1, Stored: 1, Rejected: 1), result);
        Assert.Equal([1UL], cloud.Behaviour.Received.Select(static r => r.Key.Sequence));
        Assert.Contains("more than the 8388608 bytes the cloud accepts", _outbox.FindRejected(2)!.Error, StringComparison.Ordinal);
        Assert.Equal(0, _outbox.Count());
    }

    [Fact]
    public async Task ForwardDueAsync_CloudAnswersEveryFrame_EntriesLeaveTheOutboxAndResultsGetTheVerdict()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(1, 2, 3);

        var result = await CreateForwarder(cloud.Address).ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new ForwardingResult(ForwardingStatus.Sent, Sent: 3, Stored: 3), result);
        Assert.Equal(0, _outbox.Count());
        Assert.Equal(3, _stats.Escalated);
        var record = _results.Find(2)!;
        Assert.Equal("defect", record.CloudVerdict);
        Assert.Equal("cloud 9.9.9", record.CloudModel);
        Assert.Equal(0.93f, Assert.Single(record.CloudDetections!).Confidence);
        var request = cloud.Behaviour.Received.Single(r => r.Key.Sequence == 2);
        Assert.Equal("cam-1", request.Key.DeviceId);
        Assert.Equal("line-1", request.LineId);
        Assert.Equal(new byte[] { 2, 2, 2 }, request.Jpeg.ToByteArray());
        Assert.Equal("uncertain: scratch 0.50", request.Reason);
        Assert.Equal("edge", request.EdgeModel.Name);
        Assert.Equal(2ul, request.EdgeModel.Release);
        Assert.Equal(0.5f, Assert.Single(request.EdgeDetections).Confidence);
    }

    [Fact]
    public async Task ForwardDueAsync_CloudAnswersSomeFrames_OnlyAnsweredEntriesAreDeletedOthersBackOff()
    {
        await using var cloud = await TestCloud.StartAsync(r => r.Key.Sequence % 2 == 0 ? TestCloud.Stored(r) : null);
        Seed(1, 2, 3, 4);
        var now = _time.GetUtcNow();

        var result = await CreateForwarder(cloud.Address).ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal((4, 2, 2), (result.Sent, result.Stored, result.Unanswered));
        Assert.Null(_outbox.Find(2));
        Assert.Null(_outbox.Find(4));
        foreach (var sequence in new long[] { 1, 3 })
        {
            var entry = _outbox.Find(sequence)!;
            Assert.Equal(1, entry.Attempts);
            Assert.InRange(entry.NextAttemptAt, now.UtcDateTime.AddSeconds(0.49), now.UtcDateTime.AddSeconds(1.01));
            Assert.Contains("no answer", entry.LastError);
        }
    }

    [Fact]
    public async Task ForwardDueAsync_ErrorReply_EntryMovesToRejectedAndIsNeverSentAgain()
    {
        await using var cloud = await TestCloud.StartAsync(r => r.Key.Sequence == 2
            ? new EscalationReply { Key = r.Key, Error = "unreadable JPEG" }
            : null);
        Seed(1, 2);
        var forwarder = CreateForwarder(cloud.Address);

        var first = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(5));
        await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, first.Rejected);
        Assert.Null(_outbox.Find(2));
        var rejected = _outbox.FindRejected(2);
        Assert.NotNull(rejected);
        Assert.Equal("unreadable JPEG", rejected.Error);
        Assert.Equal(new byte[] { 2, 2, 2 }, rejected.Entry.Jpeg);
        Assert.Equal(1, _stats.Rejected);
        Assert.Single(cloud.Behaviour.Received, r => r.Key.Sequence == 2);
        Assert.Equal(2, cloud.Behaviour.Received.Count(r => r.Key.Sequence == 1));
    }

    [Fact]
    public async Task ForwardDueAsync_CloudDown_EntriesStayAndAreRetriedOnlyAfterTheirBackoff()
    {
        Seed(1, 2);
        using var refused = LoopbackPort.Refused();
        var forwarder = CreateForwarder($"http://127.0.0.1:{refused.Port}");

        var first = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);
        var tooEarly = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.Failed, first.Status);
        Assert.Equal(ForwardingStatus.Idle, tooEarly.Status);
        Assert.Equal(2, _outbox.Count());
        var entry = _outbox.Find(1)!;
        Assert.Equal(1, entry.Attempts);
        Assert.Contains("Unavailable", entry.LastError);

        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.Failed, second.Status);
        Assert.Equal(2, _outbox.Find(1)!.Attempts);
        Assert.Equal(2, _outbox.Count());
    }

    [Fact]
    public async Task ForwardDueAsync_CloudFailsTwice_GoesLocalOnlyAndOnlyProbesUntilTheCloudAnswersAgain()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        cloud.Behaviour.FailWith = StatusCode.Unavailable;
        Seed(1);
        var forwarder = CreateForwarder(cloud.Address);

        await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);
        Assert.False(_state.HasCause(DegradationCause.CloudUnreachable));
        _time.Advance(TimeSpan.FromSeconds(1));
        await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(2));
        var open = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.CircuitOpen, open.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(500), open.RetryAfter);
        Assert.Equal(2, cloud.Behaviour.Calls);
        Assert.Equal(DegradationMode.LocalOnly, _state.EffectiveMode);
        Assert.Contains("Unavailable", Assert.Single(_state.AutomaticCauses).Reason, StringComparison.Ordinal);

        // The escalation service is back; the probes see it, and after two answers in a row the frame goes out.
        cloud.Behaviour.FailWith = null;
        Assert.True(await forwarder.ProbeCloudAsync(TestContext.Current.CancellationToken));
        Assert.Equal(ForwardingStatus.CircuitOpen, (await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken)).Status);
        Assert.True(await forwarder.ProbeCloudAsync(TestContext.Current.CancellationToken));
        var sent = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.Sent, sent.Status);
        Assert.Equal(3, cloud.Behaviour.Calls);
        Assert.Equal(0, _outbox.Count());
        Assert.Equal(DegradationMode.Normal, _state.EffectiveMode);
        Assert.Equal(["degraded", "recovered"], DrainEvents().Select(e => e.Type));
    }

    [Fact]
    public async Task ProbeCloudAsync_OneLostProbeBetweenAnswers_DoesNotDegrade()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        var forwarder = CreateForwarder(cloud.Address);
        var token = TestContext.Current.CancellationToken;

        foreach (var serving in new[] { false, true, false, true, false })
        {
            cloud.Behaviour.Health.SetStatus(Escalation.Descriptor.FullName, serving ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);
            Assert.Equal(serving, await forwarder.ProbeCloudAsync(token));
            _time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.False(_state.HasCause(DegradationCause.CloudUnreachable));
        Assert.Empty(DrainEvents());
    }

    [Fact]
    public async Task ProbeCloudAsync_CloudStopsAndStartsAgain_EntersAfterTwoFailuresAndLeavesAfterTwoAnswers()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        var forwarder = CreateForwarder(cloud.Address);
        var token = TestContext.Current.CancellationToken;
        Assert.True(await forwarder.ProbeCloudAsync(token));

        await cloud.StopAsync();
        var lostAt = _time.GetUtcNow();
        Assert.False(await forwarder.ProbeCloudAsync(token));
        Assert.False(_state.HasCause(DegradationCause.CloudUnreachable));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(await forwarder.ProbeCloudAsync(token));

        var cause = Assert.Single(_state.AutomaticCauses);
        Assert.Equal("cloud-unreachable", cause.Cause);
        Assert.Equal("local-only", cause.Mode);
        Assert.Contains("Unavailable", cause.Reason, StringComparison.Ordinal);
        Assert.True(cause.Since - lostAt <= TimeSpan.FromSeconds(2), $"degraded {(cause.Since - lostAt).TotalSeconds} s after the cloud was lost");

        // The channel reconnects on its own (real-time) backoff; the first probe it lets through is the first success.
        await cloud.StartAgainAsync();
        await Eventually.WaitAsync("a probe reaches the restarted cloud", forwarder.ProbeCloudAsync, ok => ok, Eventually.DefaultTimeout, token);
        Assert.True(_state.HasCause(DegradationCause.CloudUnreachable));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(await forwarder.ProbeCloudAsync(token));

        Assert.False(_state.HasCause(DegradationCause.CloudUnreachable));
        var events = DrainEvents();
        Assert.Equal(["degraded", "recovered"], events.Select(e => e.Type));
        Assert.Contains("cloud-unreachable", events[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeCloudAsync_CloudNotServing_CountsAsUnreachable()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        cloud.Behaviour.Health.SetStatus(Escalation.Descriptor.FullName, HealthCheckResponse.Types.ServingStatus.NotServing);
        var forwarder = CreateForwarder(cloud.Address);

        await forwarder.ProbeCloudAsync(TestContext.Current.CancellationToken);
        await forwarder.ProbeCloudAsync(TestContext.Current.CancellationToken);

        Assert.Contains("NotServing", _state.AutomaticReason, StringComparison.Ordinal);
        Assert.Equal(DegradationMode.LocalOnly, _state.EffectiveMode);
    }

    [Fact]
    public async Task ExecuteAsync_CloudDiesWithAnEmptyOutboxAndReturns_DegradesAndForwardsAgainByItself()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        var forwarder = CreateForwarder(cloud.Address, time: TimeProvider.System);
        var token = TestContext.Current.CancellationToken;
        await forwarder.StartAsync(token);
        try
        {
            await Eventually.UntilAsync(() => _forwarding.Status == ForwardingStatus.Idle, "the forwarder runs");

            await cloud.StopAsync();
            var lost = System.Diagnostics.Stopwatch.StartNew();
            await Eventually.UntilAsync(() => _state.HasCause(DegradationCause.CloudUnreachable), "the device notices the cloud is gone with nothing to send");
            var toDegrade = lost.Elapsed;

            // A frame that arrives while the cloud is away waits in the outbox and nothing is sent.
            Seed(7);
            await cloud.StartAgainAsync();
            var back = System.Diagnostics.Stopwatch.StartNew();
            await Eventually.UntilAsync(() => _outbox.Count() == 0, "the waiting frame is forwarded once the cloud is back");
            var toForward = back.Elapsed;

            Assert.False(_state.HasCause(DegradationCause.CloudUnreachable));
            Assert.Single(cloud.Behaviour.Received, r => r.Key.Sequence == 7);
            TestContext.Current.TestOutputHelper?.WriteLine($"degraded {toDegrade.TotalMilliseconds:0} ms after the cloud stopped; forwarded {toForward.TotalMilliseconds:0} ms after it started again");
        }
        finally
        {
            await forwarder.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ExecuteAsync_StoppedMidCall_AnsweredEntriesHaveLeftTheOutboxAndTheOthersStayAsTheyWere()
    {
        // The cloud stores and answers five frames, then holds the call open: the agent stops before it ends.
        await using var cloud = await TestCloud.StartAsync(r => r.Key.Sequence <= 5 ? TestCloud.Stored(r) : null);
        cloud.Behaviour.Hang = true;
        Seed(1, 2, 3, 4, 5, 6);
        var due = _outbox.Find(6)!.NextAttemptAt;
        var forwarder = CreateForwarder(cloud.Address, deadlineSeconds: 600, time: TimeProvider.System);
        await forwarder.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await Eventually.UntilAsync(() => _outbox.Count() == 1, "the answered entries leave the outbox while the call is still open");
        }
        finally
        {
            await forwarder.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1, cloud.Behaviour.Calls);
        Assert.All(new long[] { 1, 2, 3, 4, 5 }, sequence => Assert.Equal("defect", _results.Find(sequence)!.CloudVerdict));
        Assert.Equal(5, _stats.Escalated);
        var waiting = _outbox.Find(6)!;
        Assert.Equal((0, due), (waiting.Attempts, waiting.NextAttemptAt));
    }

    [Fact]
    public async Task ForwardDueAsync_AnotherCauseAsksForLocalOnly_SendsNothing()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(1);
        var forwarder = CreateForwarder(cloud.Address);
        _state.SetCause(DegradationCause.OutboxNearQuota, DegradationMode.LocalOnly, "test", _time.GetUtcNow());

        var paused = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.Paused, paused.Status);
        Assert.Equal(0, cloud.Behaviour.Calls);
    }

    [Fact]
    public async Task ForwardDueAsync_CommandedSafeOrPaused_StillForwardsSoTheCloudSettlesTheBacklog()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(1, 2);
        var forwarder = CreateForwarder(cloud.Address, batchSize: 1);

        _state.Apply(new DesiredState(1, 1, DegradationModes.Safe));
        var underSafe = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);
        _state.Apply(new DesiredState(1, 2, DegradationModes.Paused));
        var underPaused = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal((1, 1), (underSafe.Stored, underPaused.Stored));
        Assert.Equal(0, _outbox.Count());
    }

    [Fact]
    public async Task ForwardDueAsync_CloudNeverAnswers_DeadlineEndsTheCallAndEntriesStay()
    {
        await using var cloud = await TestCloud.StartAsync(_ => null);
        cloud.Behaviour.Hang = true;
        Seed(1);

        var result = await CreateForwarder(cloud.Address, deadlineSeconds: 1).ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.Failed, result.Status);
        Assert.Equal(1, result.Unanswered);
        Assert.Contains("DeadlineExceeded", _outbox.Find(1)!.LastError);
    }

    [Fact]
    public async Task ForwardDueAsync_LocalOnly_SendsNothingUntilTheModeReturnsToNormal()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(1, 2);
        var forwarder = CreateForwarder(cloud.Address);
        _state.Apply(new DesiredState(1, 1, DegradationModes.LocalOnly));

        var paused = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ForwardingStatus.Paused, paused.Status);
        Assert.Equal("paused", _forwarding.ToWire());
        Assert.Equal(0, cloud.Behaviour.Calls);
        Assert.Equal(2, _outbox.Count());

        _state.Apply(new DesiredState(1, 2, DegradationModes.Normal));
        var resumed = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, resumed.Stored);
        Assert.Equal("sending", _forwarding.ToWire());
        Assert.Equal(0, _outbox.Count());
    }

    [Fact]
    public async Task ForwardDueAsync_MoreThanABatchDue_SendsTheOldestBatchFirst()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(Enumerable.Range(1, 5).Select(i => (long)i).ToArray());

        var result = await CreateForwarder(cloud.Address, batchSize: 3).ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, result.Sent);
        Assert.Equal([1UL, 2UL, 3UL], cloud.Behaviour.Received.Select(r => r.Key.Sequence).Order());
        Assert.Equal(2, _outbox.Count());
    }

    private void Seed(params long[] sequences)
    {
        foreach (var sequence in sequences)
        {
            _results.Insert(new InspectionRecord { Id = sequence, Decision = global::Inspection.Detection.Decision.Uncertain });
            _outbox.Add(new OutboxEntry
            {
                Id = sequence,
                LineId = "line-1",
                CapturedAt = _time.GetUtcNow().UtcDateTime,
                Jpeg = [(byte)sequence, (byte)sequence, (byte)sequence],
                Width = 3,
                Height = 1,
                ModelName = "edge",
                ModelVersion = "1.0.0",
                ModelRelease = sequence,
                Detections = [new DetectionRecord { ClassName = "scratch", Confidence = 0.5f, X2 = 1, Y2 = 1 }],
                Reason = "uncertain: scratch 0.50",
                NextAttemptAt = _time.GetUtcNow().UtcDateTime,
            });
        }
    }

    private OutboxForwarder CreateForwarder(string address, int batchSize = 16, int deadlineSeconds = 10, TimeProvider? time = null)
    {
        var channel = GrpcChannel.ForAddress(address, OutboxForwarder.ChannelOptions(new DegradationOptions()));
        _channels.Add(channel);
        return new OutboxForwarder(
            new Escalation.EscalationClient(channel),
            new Health.HealthClient(channel),
            _outbox,
            _state,
            _events,
            _stats,
            _forwarding,
            TestOptions.Of(new CloudOptions { Address = address, BatchSize = batchSize, DeadlineSeconds = deadlineSeconds }),
            // Generous: these tests count answers, and a loaded machine must not turn a slow first answer into a lost one.
            TestOptions.Of(new DegradationOptions { CloudProbeDeadlineMilliseconds = 10_000 }),
            TestOptions.Edge(),
            time ?? _time,
            NullLogger<OutboxForwarder>.Instance);
    }

    private List<DeviceEvent> DrainEvents()
    {
        var events = new List<DeviceEvent>();
        while (_events.TryPeek(out var deviceEvent))
        {
            events.Add(deviceEvent);
            _events.Dequeue();
        }

        return events;
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _database.Dispose();
        _temp.Dispose();
    }
}
