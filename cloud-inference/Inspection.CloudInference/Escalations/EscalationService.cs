using Grpc.Core;
using Inspection.CloudInference.Diagnostics;
using Inspection.Contracts.Identity;
using Inspection.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// The gRPC end of escalation. Each stream is answered frame by frame in the order the frames came, each reply written
/// only after its frame is stored. A failure that prevents storing ends the call, and the edge re-sends whatever was
/// not answered. On the mTLS endpoint a stream speaks for the one device its client certificate names: a frame
/// naming another device is refused in its reply and never stored. A message above
/// <see cref="EscalationOptions.MaxMessageBytes"/> ends the call with <c>RESOURCE_EXHAUSTED</c> stating the limit; a call
/// the client cancels (or whose deadline passes) ends quietly, logged at debug level only.
/// </summary>
public sealed partial class EscalationService : Escalation.EscalationBase
{
    /// <summary>
    /// The trailer that tells a refused device how long to wait, in milliseconds: gRPC's own retry pushback (gRFC A6),
    /// which grpc-dotnet and the other gRPC clients read in their built-in retry, rather than an invented one.
    /// </summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    private readonly EscalationProcessor _processor;
    private readonly CloudDetector _detector;
    private readonly EscalationOptions _limits;
    private readonly CloudMetrics _metrics;
    private readonly ILogger<EscalationService> _logger;

    public EscalationService(EscalationProcessor processor, CloudDetector detector, IOptions<EscalationOptions> limits, CloudMetrics metrics, ILogger<EscalationService> logger)
    {
        _processor = processor;
        _detector = detector;
        _metrics = metrics;
        _limits = limits.Value;
        _logger = logger;
    }

    public override async Task Escalate(
        IAsyncStreamReader<EscalationRequest> requestStream,
        IServerStreamWriter<EscalationReply> responseStream,
        ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var answered = 0;
        var peer = context.Peer;
        FrameKey? lastKey = null;

        // No certificate: the cleartext endpoint (loopback demo, simulator), where the key's device id is taken as sent.
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        var certified = certificate is null ? null : DeviceIdentity.FromCertificate(certificate);

        try
        {
            await foreach (var request in requestStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lastKey = request.Key;

                // Each frame continues its own trace (the edge's); the logs written while it is judged carry its trace id.
                using var activity = CloudTelemetry.StartEscalation(request, peer);
                var reply = certificate is not null && request.Key?.DeviceId != certified
                    ? Impersonation(request, certified, peer)
                    : await AdmitAndProcessAsync(request, peer, context.Deadline, firstOfCall: answered == 0, cancellationToken).ConfigureAwait(false);
                using (var verdict = CloudTelemetry.Source.StartActivity(CloudTelemetry.VerdictSpan))
                {
                    verdict?.SetTag("inspection.verdict", reply.Verdict.ToString());
                    verdict?.SetTag("inspection.duplicate", reply.Duplicate);
                    await responseStream.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
                }

                answered++;
            }
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException or RpcException)
        {
            // An edge that stops, or whose deadline passes, mid-call: routine, and it re-sends what was not answered.
            Log.CallEndedByClient(_logger, peer, answered);
        }
        catch (CloudBusyException ex)
        {
            // Ends the call: a stream's replies keep its frames' order, so the frames after this one wait with it. The
            // device keeps every unanswered frame and honours the pushback trailer (gRPC's standard retry hint, which
            // gRPC clients' own retry policies also read) before sending them again.
            var pushback = (long)ex.RetryAfter.TotalMilliseconds;
            _metrics.Throttled();
            Log.Busy(_logger, peer, Printable.Quote(lastKey?.DeviceId ?? string.Empty), lastKey?.Sequence ?? 0, ex.Reason, pushback, answered);
            throw new RpcException(
                new Status(StatusCode.ResourceExhausted, ex.Message),
                new Metadata { { RetryPushbackTrailer, pushback.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            // The message was refused unread, so its own key is unknown; the last one read tells which device sent it.
            var after = lastKey is null ? "no frame read before it" : $"after device {Printable.Quote(lastKey.DeviceId)} sequence {lastKey.Sequence}";
            Log.MessageTooLarge(_logger, peer, _limits.MaxMessageBytes, answered, after);
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"An escalation message exceeds the cloud's limit of {_limits.MaxMessageBytes} bytes ({_limits.MaxMessageBytes / (1024.0 * 1024):0.##} MiB, " +
                $"Cloud:Escalations:MaxMessageBytes); it was not read ({after}), and the call ended after {answered} answered frames. " +
                "Send smaller JPEGs or fewer frames per part."));
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not RpcException)
        {
            _metrics.Error("stream");
            Log.StreamFailed(_logger, peer, answered, ex);
            throw new RpcException(new Status(StatusCode.Unavailable, "The cloud could not store a frame; re-send the unanswered frames."));
        }
    }

    // A frame is taken only if the frames ahead of it and its own leave time to answer it before the call's deadline
    // (with a fifth of it to spare): otherwise the device would give up on a frame the cloud still stores, count a
    // failed call and back off, while a busy answer tells it when to come back. The first frame of a call with nothing
    // ahead of it is always taken, however slow the model; a later one is not, when the call's earlier frames used up
    // its time (the device comes back with a new call and a whole deadline).
    private Task<EscalationReply> AdmitAndProcessAsync(EscalationRequest request, string peer, DateTime deadline, bool firstOfCall, CancellationToken cancellationToken)
    {
        if (deadline != DateTime.MaxValue)
        {
            var remaining = deadline - DateTime.UtcNow;
            var frames = Math.Max(1, request.PartFrames.Count);
            var expected = _detector.ExpectedWait(frames, alwaysTakeLone: firstOfCall);
            if (expected > remaining * 0.8)
            {
                return Task.FromException<EscalationReply>(new CloudBusyException(expected, remaining, _detector.QueueCapacity, _detector.DrainHint()));
            }
        }

        return _processor.ProcessAsync(request, peer, deadline, cancellationToken);
    }

    // Not kept with the rejected frames: they are evidence of a device's own faults, and this frame is not the
    // sender's to file under another device's id.
    private EscalationReply Impersonation(EscalationRequest request, string? certified, string peer)
    {
        var named = request.Key?.DeviceId ?? string.Empty;
        var sequence = request.Key?.Sequence ?? 0;
        _metrics.Received();
        _metrics.Refused("other-device");
        Log.Impersonation(_logger, peer, certified ?? "?", Printable.Quote(named), sequence);
        return new EscalationReply
        {
            Key = request.Key ?? new FrameKey(),
            Verdict = Verdict.Unspecified,
            Error = $"permission denied: this connection's certificate is for device '{certified}', the frame names device {Printable.Quote(named)}",
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Refused the frame of device {DeviceId} sequence {Sequence} from {Peer}: its certificate is for device '{CertifiedDevice}'")]
        public static partial void Impersonation(ILogger logger, string peer, string certifiedDevice, string deviceId, ulong sequence);

        [LoggerMessage(Level = LogLevel.Error, Message = "Escalation stream from {Peer} failed after {Answered} replies")]
        public static partial void StreamFailed(ILogger logger, string peer, int answered, Exception exception);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Refused an escalation message from {Peer} above the limit of {LimitBytes} bytes (Cloud:Escalations:MaxMessageBytes), {After}; the call ended after {Answered} replies")]
        public static partial void MessageTooLarge(ILogger logger, string peer, int limitBytes, int answered, string after);

        [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "The cloud is busy, {Reason}: refused the frame of device {DeviceId} sequence {Sequence} from {Peer}, not stored, retry in {RetryAfterMilliseconds} ms; the call ended after {Answered} replies")]
        public static partial void Busy(ILogger logger, string peer, string deviceId, ulong sequence, string reason, long retryAfterMilliseconds, int answered);

        [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Escalation call from {Peer} ended by the client (cancelled, or its deadline passed) after {Answered} replies")]
        public static partial void CallEndedByClient(ILogger logger, string peer, int answered);
    }
}
