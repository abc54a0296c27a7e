using Grpc.Core;
using Inspection.Contracts.Identity;
using Inspection.Contracts.V1;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// The gRPC end of escalation. Each stream is answered frame by frame, each reply written only after
/// its frame is stored; a failure that prevents storing ends the call, and the edge re-sends whatever
/// was not answered. On the mTLS endpoint a stream speaks for the one device its client certificate names: a frame
/// naming another device is refused in its reply and never stored.
/// </summary>
public sealed partial class EscalationService : Escalation.EscalationBase
{
    private readonly EscalationProcessor _processor;
    private readonly ILogger<EscalationService> _logger;

    public EscalationService(EscalationProcessor processor, ILogger<EscalationService> logger)
    {
        _processor = processor;
        _logger = logger;
    }

    public override async Task Escalate(
        IAsyncStreamReader<EscalationRequest> requestStream,
        IServerStreamWriter<EscalationReply> responseStream,
        ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var answered = 0;

        // No certificate: the cleartext endpoint (loopback demo, simulator), where the key's device id is taken as sent.
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        var certified = certificate is null ? null : DeviceIdentity.FromCertificate(certificate);
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var reply = certificate is not null && request.Key?.DeviceId != certified
                    ? Impersonation(request, certified, context.Peer)
                    : await _processor.ProcessAsync(request, cancellationToken).ConfigureAwait(false);
                await responseStream.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
                answered++;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not RpcException)
        {
            Log.StreamFailed(_logger, context.Peer, answered, ex);
            throw new RpcException(new Status(StatusCode.Unavailable, "The cloud could not store a frame; re-send the unanswered frames."));
        }
    }

    // Not kept with the rejected frames: they are evidence of a device's own faults, and this frame is not the
    // sender's to file under another device's id.
    private EscalationReply Impersonation(EscalationRequest request, string? certified, string peer)
    {
        var named = request.Key?.DeviceId ?? string.Empty;
        var sequence = request.Key?.Sequence ?? 0;
        Log.Impersonation(_logger, peer, certified ?? "?", named, sequence);
        return new EscalationReply
        {
            Key = request.Key ?? new FrameKey(),
            Verdict = Verdict.Unspecified,
            Error = $"permission denied: this connection's certificate is for device '{certified}', the frame names device '{named}'",
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Refused frame {DeviceId}/{Sequence} from {Peer}: its certificate is for device {CertifiedDevice}")]
        public static partial void Impersonation(ILogger logger, string peer, string certifiedDevice, string deviceId, ulong sequence);

        [LoggerMessage(Level = LogLevel.Error, Message = "Escalation stream from {Peer} failed after {Answered} replies")]
        public static partial void StreamFailed(ILogger logger, string peer, int answered, Exception exception);
    }
}
