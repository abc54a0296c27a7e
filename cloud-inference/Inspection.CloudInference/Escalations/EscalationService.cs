using Grpc.Core;
using Inspection.Contracts.V1;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// The gRPC end of escalation. Each stream is answered frame by frame, each reply written only after
/// its frame is stored; a failure that prevents storing ends the call, and the edge re-sends whatever
/// was not answered.
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
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var reply = await _processor.ProcessAsync(request, cancellationToken).ConfigureAwait(false);
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

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "Escalation stream from {Peer} failed after {Answered} replies")]
        public static partial void StreamFailed(ILogger logger, string peer, int answered, Exception exception);
    }
}
