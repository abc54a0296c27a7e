using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Inspection.Contracts.Escalations;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.EdgeAgent.Degradation;

namespace Inspection.EdgeAgent.Forwarding;

/// <summary>
/// Sends due outbox entries to the cloud, one bidirectional <c>Escalate</c> call per batch with a deadline.
/// An entry leaves the outbox only when the cloud answered it: with a verdict (stored, recorded on the
/// result) or with an error (moved to <c>rejected</c>, never retried), each as soon as its reply arrives, so a call cut
/// short (a stop of the agent, a failure, a deadline) keeps what the cloud already answered. A cloud that is busy ends the
/// call with <c>RESOURCE_EXHAUSTED</c> and a retry hint (<c>grpc-retry-pushback-ms</c>): the unanswered entries wait
/// exactly that long, not counted as failed attempts nor towards <c>cloud-unreachable</c>. Other unanswered entries back off
/// exponentially with jitter; a stop leaves them as they were. Whether the cloud is reachable is judged by consecutive failed calls and by the
/// standard gRPC health probe (<c>grpc.health.v1.Health/Check</c>) on the same channel, sent whenever there is
/// nothing to send and at a short fixed interval while the cloud is unreachable: after
/// <see cref="DegradationOptions.CloudFailuresToEnter"/> failures in a row the device goes local-only (cause
/// <c>cloud-unreachable</c>) and sends nothing but probes; after <see cref="DegradationOptions.CloudSuccessesToLeave"/>
/// answered probes in a row it forwards again. Nothing is sent while local-only is in force for any other reason
/// (commanded, or another cause). Runs beside the inspection loop, never in it.
/// </summary>
public sealed partial class OutboxForwarder : BackgroundService
{
    /// <summary>The trailer in which the cloud says how long to wait before sending again (gRFC A6 retry pushback).</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    private readonly Escalation.EscalationClient _client;
    private readonly Health.HealthClient _health;
    private readonly OutboxStore _outbox;
    private readonly DeviceState _state;
    private readonly EdgeStats _stats;
    private readonly ForwardingState _forwarding;
    private readonly CloudOptions _options;
    private readonly DegradationOptions _degradation;
    private readonly CauseTracker _cloud;
    private readonly string _deviceId;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<OutboxForwarder> _logger;
    private long _lastContact;
    private bool _contacted;

    public OutboxForwarder(
        Escalation.EscalationClient client,
        Health.HealthClient health,
        OutboxStore outbox,
        DeviceState state,
        DeviceEvents events,
        EdgeStats stats,
        ForwardingState forwarding,
        IOptions<CloudOptions> options,
        IOptions<DegradationOptions> degradation,
        IOptions<EdgeOptions> edge,
        TimeProvider timeProvider,
        ILogger<OutboxForwarder> logger)
    {
        _client = client;
        _health = health;
        _outbox = outbox;
        _state = state;
        _stats = stats;
        _forwarding = forwarding;
        _options = options.Value;
        _degradation = degradation.Value;
        _deviceId = edge.Value.DeviceId;
        _timeProvider = timeProvider;
        _logger = logger;
        _cloud = new CauseTracker(
            DegradationCause.CloudUnreachable,
            DegradationMode.LocalOnly,
            _degradation.CloudFailuresToEnter,
            _degradation.CloudSuccessesToLeave,
            state,
            events,
            timeProvider,
            logger);
    }

    /// <summary>The gRPC service whose health the probe asks for; the cloud maps it onto what escalations need.</summary>
    public static string ProbedService => Escalation.Descriptor.FullName;

    /// <summary>
    /// Options for the channel to the cloud: its own reconnect backoff grows to 120 s by default, so a cloud that came
    /// back would wait that long for the channel to try again whatever the probe says; here it stays near the probe
    /// interval.
    /// </summary>
    public static GrpcChannelOptions ChannelOptions(DegradationOptions degradation)
    {
        ArgumentNullException.ThrowIfNull(degradation);
        var interval = TimeSpan.FromMilliseconds(degradation.CloudProbeIntervalMilliseconds);

        // The cloud reads no larger message; a larger one is refused here (ToRequest's caller) instead of on the wire.
        return new GrpcChannelOptions { InitialReconnectBackoff = interval, MaxReconnectBackoff = interval * 2, MaxSendMessageSize = EscalationLimits.MaxMessageBytes };
    }

    private TimeSpan ProbeInterval => TimeSpan.FromMilliseconds(_degradation.CloudProbeIntervalMilliseconds);

    /// <summary>
    /// Sends the oldest due entries (at most <see cref="CloudOptions.BatchSize"/>) in one call and applies
    /// the answers. Does nothing while local-only is in force or the cloud is unreachable (then it is probed instead).
    /// </summary>
    public async Task<ForwardingResult> ForwardDueAsync(CancellationToken cancellationToken)
    {
        var result = await PassAsync(cancellationToken).ConfigureAwait(false);
        _forwarding.PassEnded(result.Status);
        return result;
    }

    /// <summary>
    /// Asks the cloud's gRPC health service whether it can take escalations, with a short deadline, and counts the
    /// answer towards entering or leaving <c>cloud-unreachable</c>. Returns whether the cloud answered SERVING (or has
    /// no health service but answered at all).
    /// </summary>
    public async Task<bool> ProbeCloudAsync(CancellationToken cancellationToken)
    {
        var deadline = WallClockDeadline(TimeSpan.FromMilliseconds(_degradation.CloudProbeDeadlineMilliseconds));
        bool reachable;
        string reason;
        try
        {
            var reply = await _health.CheckAsync(new HealthCheckRequest { Service = ProbedService }, deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            reachable = reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
            reason = $"health check answered {reply.Status}";
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            // A cloud without the health service still answered: it is there.
            reachable = true;
            reason = "the cloud answered (it has no health service)";
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            reachable = false;
            reason = $"health check failed: {ex.StatusCode}: {ex.Status.Detail}";
        }

        Contacted();
        if (reachable)
        {
            _cloud.Good(reason);
        }
        else
        {
            _cloud.Bad(reason);
        }

        return reachable;
    }

    /// <summary>Whether sending is off for a reason other than the cloud itself: local-only commanded or asked by another cause.</summary>
    private bool ForwardingDisabled() =>
        _state.CommandedMode == DegradationMode.LocalOnly
        || _state.IsAutomaticInForce(DegradationMode.LocalOnly, except: DegradationCause.CloudUnreachable);

    private async Task<ForwardingResult> PassAsync(CancellationToken cancellationToken)
    {
        if (ForwardingDisabled())
        {
            return new ForwardingResult(ForwardingStatus.Paused);
        }

        if (_cloud.Active)
        {
            // Under its own cause the forwarder only probes, at a fixed short interval: no frame is sent (and backed
            // off) into a cloud known to be gone, and recovery is noticed within a probe or two.
            return new ForwardingResult(ForwardingStatus.CircuitOpen, RetryAfter: ProbeInterval);
        }

        var now = _timeProvider.GetUtcNow();
        var batch = _outbox.TakeDue(now, _options.BatchSize);
        if (batch.Count == 0)
        {
            return new ForwardingResult(ForwardingStatus.Idle);
        }

        // Built once for the call and any failover of it; a frame larger than the cloud reads never goes on the wire.
        var requests = new Dictionary<long, EscalationRequest>(batch.Count);
        var oversized = 0;
        foreach (var entry in batch)
        {
            var request = ToRequest(entry);
            if (request.CalculateSize() is var size && size > EscalationLimits.MaxMessageBytes)
            {
                RefuseOversized(entry, size, now);
                oversized++;
            }
            else
            {
                requests.Add(entry.Id, request);
            }
        }

        if (oversized > 0)
        {
            batch = [.. batch.Where(e => requests.ContainsKey(e.Id))];
            if (batch.Count == 0)
            {
                return new ForwardingResult(ForwardingStatus.Sent, Rejected: oversized);
            }
        }

        var answers = new Answers(batch) { Rejected = oversized };
        string? failure = null;
        try
        {
            // A replica that went away (before the call or in it) ends the call as UNAVAILABLE, and the balancer drops
            // it from the rotation as its connection closes: what it left unanswered goes to another replica at once,
            // not after a backoff. As many tries as there are replicas; with one, none.
            var failovers = _options.Endpoints.Count > 1 ? _options.Endpoints.Count : 0;
            var entries = batch;
            while (true)
            {
                try
                {
                    await SendAsync(entries, requests, answers, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && failovers > 0 && answers.Pending.Count > 0 && !cancellationToken.IsCancellationRequested)
                {
                    failovers--;
                    _stats.EscalationsUnanswered(answers.Pending.Count);
                    Log.FailingOver(_logger, answers.Pending.Count, ex.Status.Detail);
                    entries = [.. answers.Pending.Values.OrderBy(static e => e.Id)];
                }
            }

            Contacted();
            _cloud.Good("an escalation call completed");
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested && Pushback(ex) is { } pushback)
        {
            // Busy, not broken: the cloud answered and said when to come back. Not a failed attempt, and no step
            // towards cloud-unreachable; the frames wait exactly as long as asked.
            Contacted();
            _cloud.Good("the cloud answered that it is busy");
            return Throttle(batch.Count, answers, pushback, ex.Status.Detail);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"{ex.StatusCode}: {ex.Status.Detail}";
            Log.CallFailed(_logger, batch.Count, failure);
            Contacted();
            _cloud.Bad($"escalation call failed: {failure}");
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            // Stopping mid-call: the answered entries have left the outbox already; the others stay as they are, not
            // counted as a failed attempt, for the next start.
            Log.StoppedMidCall(_logger, batch.Count, answers.Stored, answers.Rejected, answers.Pending.Count);
            throw;
        }

        return Finish(batch.Count, answers, failure);
    }

    private void Contacted()
    {
        _lastContact = _timeProvider.GetTimestamp();
        _contacted = true;
    }

    private bool ProbeDue() => !_contacted || _timeProvider.GetElapsedTime(_lastContact) >= ProbeInterval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(_options.PollIntervalMilliseconds);
        var probeInterval = ProbeInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var result = await ForwardDueAsync(stoppingToken).ConfigureAwait(false);

                // With nothing to send no call would notice a dead cloud; while it is unreachable only probes go out.
                if (result.Status is ForwardingStatus.Idle or ForwardingStatus.CircuitOpen && ProbeDue())
                {
                    await ProbeCloudAsync(stoppingToken).ConfigureAwait(false);
                }

                delay = result.Status switch
                {
                    // A full, fully answered batch: more may be due right now.
                    ForwardingStatus.Sent when result.Unanswered == 0 && result.Sent == _options.BatchSize => TimeSpan.Zero,
                    ForwardingStatus.Idle or ForwardingStatus.CircuitOpen => probeInterval < poll ? probeInterval : poll,
                    ForwardingStatus.Throttled => result.RetryAfter ?? poll,
                    _ => poll,
                };
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                // Shutting down mid-call: the batch stays in the outbox for the next start.
                return;
            }
            catch (Exception ex) when (ex is LiteException or IOException)
            {
                Log.OutboxUnavailable(_logger, ex);
                delay = TimeSpan.FromSeconds(_options.MaxBackoffSeconds);
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static TimeSpan Backoff(int attempt, TimeSpan initial, TimeSpan max, bool jitter)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var seconds = Math.Min(max.TotalSeconds, initial.TotalSeconds * Math.Pow(2, exponent));

        // Jitter in [50 %, 100 %]: devices that lost the cloud together do not come back in lockstep.
        if (jitter)
        {
            seconds *= 0.5 + (Random.Shared.NextDouble() * 0.5);
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>
    /// A gRPC deadline: an instant the gRPC client compares with the system clock, so it is taken from the system clock
    /// whatever clock paces the forwarder (a test's fake clock lags the real one by its setup time, and a deadline taken
    /// from it would already have passed).
    /// </summary>
    private static DateTime WallClockDeadline(TimeSpan timeout) => DateTime.UtcNow + timeout;

    private async Task SendAsync(List<OutboxEntry> batch, Dictionary<long, EscalationRequest> requests, Answers answers, CancellationToken cancellationToken)
    {
        var deadline = WallClockDeadline(TimeSpan.FromSeconds(_options.DeadlineSeconds));
        using var call = _client.Escalate(deadline: deadline, cancellationToken: cancellationToken);

        // Read while writing: the cloud may answer the first frames before the last ones are sent.
        var reading = ReadRepliesAsync(call.ResponseStream, answers, cancellationToken);
        try
        {
            foreach (var entry in batch)
            {
                await call.RequestStream.WriteAsync(requests[entry.Id], cancellationToken).ConfigureAwait(false);
                _stats.EscalationsWritten(1);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or OperationCanceledException or IOException or HttpRequestException)
        {
            // The call ended early (the cloud failed it, the deadline passed or the agent is stopping; a write into a
            // stream the cloud already closed surfaces as HTTP/2's STREAM_CLOSED, an IOException or, from the
            // handler, an HttpRequestException); the reader reports why, once it has applied whatever answers arrived first.
        }

        await reading.ConfigureAwait(false);
    }

    // Each reply is applied as it arrives, on this one reader: whatever ends the call later, an answered entry has left
    // the outbox (and the cloud, which stored it before answering, is not asked again after a restart).
    private async Task ReadRepliesAsync(IAsyncStreamReader<EscalationReply> stream, Answers answers, CancellationToken cancellationToken)
    {
        while (await stream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            Apply(stream.Current, answers);
        }
    }

    private void Apply(EscalationReply reply, Answers answers)
    {
        var now = _timeProvider.GetUtcNow();
        if (reply.Key is null || reply.Key.DeviceId != _deviceId || !answers.Pending.Remove((long)reply.Key.Sequence, out var entry))
        {
            Log.UnexpectedReply(_logger, reply.Key?.DeviceId ?? "(none)", reply.Key?.Sequence ?? 0);
            return;
        }

        if (!string.IsNullOrEmpty(reply.Error))
        {
            _outbox.Reject(entry, reply.Error, now);
            _stats.FrameRejected();
            answers.Rejected++;
            Log.FrameRejected(_logger, entry.Id, reply.Error);
            return;
        }

        var cloudDetections = reply.CloudDetections.Select(d => new DetectionRecord
        {
            ClassId = d.ClassId,
            ClassName = d.ClassName,
            Confidence = d.Confidence,
            X1 = d.X1,
            Y1 = d.Y1,
            X2 = d.X2,
            Y2 = d.Y2,
        }).ToList();
        var cloudModel = reply.CloudModel is null ? string.Empty : $"{reply.CloudModel.Name} {reply.CloudModel.Version}".Trim();
        if (entry.PartSource is not null)
        {
            // The reply's verdict is the part's: it goes on the part's record, not on one frame's result.
            _outbox.CompletePart(entry.Id, VerdictName(reply.Verdict), cloudModel, now);
        }
        else
        {
            _outbox.Complete(entry.Id, VerdictName(reply.Verdict), cloudDetections, cloudModel, now);
        }

        // An audit's verdict is only recorded (the line acted on the edge's decision) and is not an escalation.
        if (entry.EdgeAudit is not null)
        {
            _stats.AuditAnswered();
        }
        else
        {
            if (entry.PartSource is not null)
            {
                _stats.PartEscalated();
            }

            _stats.FrameEscalated();
        }

        answers.Stored++;
    }

    /// <summary>
    /// The cloud's retry hint on a refused call: <c>RESOURCE_EXHAUSTED</c> with the <c>grpc-retry-pushback-ms</c> trailer
    /// holding a non-negative whole number of milliseconds, capped at <see cref="CloudOptions.MaxBackoffSeconds"/>. Null
    /// otherwise: a negative or malformed hint means "do not retry on this hint" (gRFC A6), and the call counts as failed.
    /// </summary>
    private TimeSpan? Pushback(RpcException ex)
    {
        if (ex.StatusCode != StatusCode.ResourceExhausted
            || ex.Trailers.GetValue(RetryPushbackTrailer) is not { } value
            || !long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds))
        {
            return null;
        }

        var max = TimeSpan.FromSeconds(_options.MaxBackoffSeconds);
        return milliseconds >= max.TotalMilliseconds ? max : TimeSpan.FromMilliseconds(milliseconds);
    }

    // The cloud would end the call on it (and the channel refuses to send it): refused here, like a frame the cloud refused.
    private void RefuseOversized(OutboxEntry entry, int size, DateTimeOffset now)
    {
        var error = $"the escalation message is {size} bytes, more than the {EscalationLimits.MaxMessageBytes} bytes the cloud accepts; not sent";
        _outbox.Reject(entry, error, now);
        _stats.FrameRejected();
        Log.FrameRejected(_logger, entry.Id, error);
    }

    // A busy cloud: the unanswered entries keep their attempt count and are due again once the hint has passed, plus up
    // to half of it again at random — devices told to wait together would otherwise all come back in the same instant
    // and meet a full queue again.
    private ForwardingResult Throttle(int sent, Answers answers, TimeSpan pushback, string detail)
    {
        pushback *= 1 + (Random.Shared.NextDouble() * 0.5);
        var due = _timeProvider.GetUtcNow() + pushback;
        var note = $"the cloud was busy ({detail})";
        foreach (var entry in answers.Pending.Values)
        {
            _outbox.Postpone(entry.Id, entry.Attempts, due, note);
        }

        _stats.EscalationsUnanswered(answers.Pending.Count);
        Log.Throttled(_logger, sent, answers.Stored, answers.Rejected, answers.Pending.Count, (long)pushback.TotalMilliseconds);
        return new ForwardingResult(ForwardingStatus.Throttled, sent, answers.Stored, answers.Rejected, answers.Pending.Count, pushback);
    }

    // The call is over (and its reader done): what it left unanswered backs off.
    private ForwardingResult Finish(int sent, Answers answers, string? failure)
    {
        var now = _timeProvider.GetUtcNow();
        var error = failure ?? "no answer from the cloud for this frame";
        foreach (var entry in answers.Pending.Values)
        {
            var attempts = entry.Attempts + 1;
            _outbox.Postpone(entry.Id, attempts, now + Backoff(attempts, TimeSpan.FromSeconds(_options.InitialBackoffSeconds), TimeSpan.FromSeconds(_options.MaxBackoffSeconds), jitter: true), error);
        }

        _stats.EscalationsUnanswered(answers.Pending.Count);
        if (answers.Stored + answers.Rejected > 0 || answers.Pending.Count > 0)
        {
            Log.BatchDone(_logger, sent, answers.Stored, answers.Rejected, answers.Pending.Count);
        }

        return new ForwardingResult(failure is null ? ForwardingStatus.Sent : ForwardingStatus.Failed, sent, answers.Stored, answers.Rejected, answers.Pending.Count);
    }

    // The JPEG read from the outbox is wrapped, not copied: nothing writes to that array after it is read, and a
    // request lives only until the call has written it (on failover it is written again, unchanged).
    private EscalationRequest ToRequest(OutboxEntry entry)
    {
        var request = new EscalationRequest
        {
            Key = new FrameKey { DeviceId = _deviceId, Sequence = (ulong)entry.Id },
            LineId = entry.LineId,
            CapturedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(entry.CapturedAt, DateTimeKind.Utc)),
            Jpeg = UnsafeByteOperations.UnsafeWrap(entry.Jpeg),
            Width = entry.Width,
            Height = entry.Height,
            EdgeModel = new ModelRef { Name = entry.ModelName, Version = entry.ModelVersion, Release = (ulong)(entry.ModelRelease ?? 0) },
            Reason = entry.Reason,
            EdgeAudit = entry.EdgeAudit switch
            {
                "pass" => Verdict.Pass,
                "defect" => Verdict.Defect,
                _ => Verdict.Unspecified,
            },

            // The trace the edge began when it found the frame uncertain: the cloud's spans for it continue it.
            TraceParent = entry.TraceParent ?? string.Empty,
        };
        request.EdgeDetections.Add(entry.Detections.Select(ToProto));
        if (entry.PartSource is null)
        {
            return request;
        }

        request.Part = new PartInfo
        {
            PartId = (ulong)entry.Id,
            Source = entry.PartSource,
            FramesSeen = (uint)entry.FramesSeen,
            FramesUncertain = (uint)entry.FramesUncertain,
            FirstSeen = ToTimestamp(entry.FirstSeen),
            LastSeen = ToTimestamp(entry.LastSeen),
            FrameSequence = (ulong)entry.FrameSequence,
            PartBox = ToProto(entry.PartBox),
        };
        foreach (var frame in entry.PartFrames)
        {
            var partFrame = new PartFrame
            {
                Sequence = (ulong)frame.Sequence,
                CapturedAt = ToTimestamp(frame.CapturedAt),
                Jpeg = UnsafeByteOperations.UnsafeWrap(frame.Jpeg),
                Width = frame.Width,
                Height = frame.Height,
                PartBox = ToProto(frame.Box),
            };
            partFrame.EdgeDetections.Add(frame.Detections.Select(ToProto));
            request.PartFrames.Add(partFrame);
        }

        return request;
    }

    private static Timestamp ToTimestamp(DateTime at) => Timestamp.FromDateTime(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    private static PartBox? ToProto(PartBoxRecord? box) => box is null ? null : new PartBox { X1 = box.X1, Y1 = box.Y1, X2 = box.X2, Y2 = box.Y2 };

    private static Contracts.V1.Detection ToProto(DetectionRecord d) => new()
    {
        ClassId = d.ClassId,
        ClassName = d.ClassName,
        Confidence = d.Confidence,
        X1 = d.X1,
        Y1 = d.Y1,
        X2 = d.X2,
        Y2 = d.Y2,
    };

    private static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.Pass => "pass",
        Verdict.Defect => "defect",
        Verdict.Uncertain => "uncertain",
        _ => "unspecified",
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 1600, Level = LogLevel.Warning, Message = "Escalating {Count} frames failed ({Reason}); they stay in the outbox and are retried with backoff")]
        public static partial void CallFailed(ILogger logger, int count, string reason);

        [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "The cloud refused frame {Sequence}: {Error}; kept in the rejected collection, not retried")]
        public static partial void FrameRejected(ILogger logger, long sequence, string error);

        [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "The cloud answered for a frame that was not sent in this call: device {DeviceId}, sequence {Sequence}")]
        public static partial void UnexpectedReply(ILogger logger, string deviceId, ulong sequence);

        [LoggerMessage(EventId = 1603, Level = LogLevel.Debug, Message = "Escalated {Count} frames: {Stored} stored, {Rejected} refused, {Unanswered} unanswered")]
        public static partial void BatchDone(ILogger logger, int count, int stored, int rejected, int unanswered);

        [LoggerMessage(EventId = 1604, Level = LogLevel.Information, Message = "Stopped mid-call: of {Count} frames sent, {Stored} stored and {Rejected} refused by the cloud have left the outbox; {Unanswered} stay for the next start")]
        public static partial void StoppedMidCall(ILogger logger, int count, int stored, int rejected, int unanswered);

        [LoggerMessage(EventId = 1607, Level = LogLevel.Information, Message = "The cloud is busy: of {Count} frames sent, {Stored} stored and {Rejected} refused; {Unanswered} stay in the outbox and are sent again in {RetryAfterMilliseconds} ms, as the cloud asked")]
        public static partial void Throttled(ILogger logger, int count, int stored, int rejected, int unanswered, long retryAfterMilliseconds);

        [LoggerMessage(EventId = 1608, Level = LogLevel.Information, Message = "A cloud replica went away mid-call ({Reason}); {Unanswered} unanswered frames are sent to another replica now")]
        public static partial void FailingOver(ILogger logger, int unanswered, string reason);

        [LoggerMessage(EventId = 1606, Level = LogLevel.Error, Message = "The outbox cannot be read")]
        public static partial void OutboxUnavailable(ILogger logger, Exception exception);
    }

    /// <summary>One call's batch: the entries not answered yet and what the answered ones came to. Only the call's reader
    /// changes it while the call runs.</summary>
    private sealed class Answers(List<OutboxEntry> batch)
    {
        public Dictionary<long, OutboxEntry> Pending { get; } = batch.ToDictionary(e => e.Id);

        public int Stored { get; set; }

        public int Rejected { get; set; }
    }
}
