using Inspection.Contracts.Mqtt;
using Inspection.Contracts.V1;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Judges one escalated frame: validate, answer a known key from the store, otherwise run the cloud
/// model, decide, store — and only then return the reply. Store-before-reply is the contract the edge
/// relies on: it deletes a frame from its outbox when it gets this reply.
/// </summary>
public sealed partial class EscalationProcessor
{
    private readonly CloudDetector _detector;
    private readonly EscalationStore _store;
    private readonly DecisionOptions _decision;
    private readonly TimeProvider _time;
    private readonly ILogger<EscalationProcessor> _logger;

    public EscalationProcessor(
        CloudDetector detector,
        EscalationStore store,
        IOptions<DecisionOptions> decision,
        TimeProvider time,
        ILogger<EscalationProcessor> logger)
    {
        _detector = detector;
        _store = store;
        _decision = decision.Value;
        _time = time;
        _logger = logger;
    }

    public async Task<EscalationReply> ProcessAsync(EscalationRequest request, CancellationToken cancellationToken)
    {
        var receivedAt = _time.GetUtcNow();
        var key = request.Key;
        if (key is null)
        {
            return Reject(request, "the frame has no key (device id + sequence)", receivedAt);
        }

        if (!MqttTopics.IsValidDeviceId(key.DeviceId))
        {
            return Reject(request, $"device id '{key.DeviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'", receivedAt);
        }

        if (key.Sequence > long.MaxValue)
        {
            return Reject(request, $"sequence {key.Sequence} is out of range (at most {long.MaxValue})", receivedAt);
        }

        if (_store.Find(key.DeviceId, key.Sequence) is { } known)
        {
            return Duplicate(known);
        }

        if (request.Jpeg.IsEmpty)
        {
            return Reject(request, "the frame has no JPEG bytes", receivedAt);
        }

        var jpeg = request.Jpeg.ToByteArray();
        IReadOnlyList<Detection.Detection> detections;
        using (var frame = Decode(jpeg))
        {
            if (frame is null)
            {
                return Reject(request, $"the JPEG ({jpeg.Length} bytes) could not be decoded", receivedAt);
            }

            detections = await _detector.DetectAsync(frame, cancellationToken).ConfigureAwait(false);
        }

        var verdict = Verdicts.ToName(_decision.Band.Decide(detections));
        var escalation = new StoredEscalation
        {
            Key = StoredEscalation.KeyOf(key.DeviceId, key.Sequence),
            DeviceId = key.DeviceId,
            Sequence = (long)key.Sequence,
            LineId = request.LineId,
            CapturedAt = request.CapturedAt?.ToDateTimeOffset(),
            ReceivedAt = receivedAt,
            ReceivedTicks = receivedAt.UtcTicks,
            Width = request.Width,
            Height = request.Height,
            JpegBytes = jpeg.Length,
            EdgeModelName = request.EdgeModel?.Name ?? string.Empty,
            EdgeModelVersion = request.EdgeModel?.Version ?? string.Empty,
            EdgeModelRelease = (long)Math.Min(request.EdgeModel?.Release ?? 0, long.MaxValue),
            EdgeDetections = [.. request.EdgeDetections.Select(StoredDetection.From)],
            Reason = request.Reason,
            CloudModelName = _detector.ModelRef.Name,
            CloudModelVersion = _detector.ModelRef.Version,
            CloudDetections = [.. detections.Select(StoredDetection.From)],
            Verdict = verdict,
        };

        if (!_store.TryAdd(escalation, jpeg))
        {
            // Another stream stored the same key between the lookup and the insert: answer with what won.
            return Duplicate(_store.Find(key.DeviceId, key.Sequence)
                ?? throw new InvalidOperationException($"Escalation {escalation.Key} was reported stored but cannot be read back."));
        }

        Log.Stored(_logger, escalation.Key, verdict, detections.Count);
        return ToReply(escalation, duplicate: false);
    }

    private static Mat? Decode(byte[] jpeg)
    {
        Mat frame;
        try
        {
            frame = Cv2.ImDecode(jpeg, ImreadModes.Color);
        }
        catch (OpenCVException)
        {
            return null;
        }

        if (frame.Empty())
        {
            frame.Dispose();
            return null;
        }

        return frame;
    }

    private EscalationReply Duplicate(StoredEscalation known)
    {
        _store.CountDuplicate();
        Log.Duplicate(_logger, known.Key);
        return ToReply(known, duplicate: true);
    }

    private EscalationReply Reject(EscalationRequest request, string error, DateTimeOffset receivedAt)
    {
        _store.AddRejected(new RejectedFrame
        {
            DeviceId = request.Key?.DeviceId ?? string.Empty,
            Sequence = request.Key is { } key ? (long)Math.Min(key.Sequence, long.MaxValue) : 0,
            LineId = request.LineId,
            ReceivedAt = receivedAt,
            Error = error,
            Jpeg = request.Jpeg.ToByteArray(),
        });
        Log.Rejected(_logger, request.Key?.DeviceId ?? "?", request.Key?.Sequence ?? 0, error);
        return new EscalationReply
        {
            Key = request.Key ?? new FrameKey(),
            Verdict = Verdict.Unspecified,
            Error = error,
        };
    }

    private static EscalationReply ToReply(StoredEscalation escalation, bool duplicate)
    {
        var reply = new EscalationReply
        {
            Key = new FrameKey { DeviceId = escalation.DeviceId, Sequence = (ulong)escalation.Sequence },
            Verdict = Verdicts.ToContract(escalation.Verdict),
            CloudModel = new ModelRef { Name = escalation.CloudModelName, Version = escalation.CloudModelVersion },
            Duplicate = duplicate,
        };
        reply.CloudDetections.AddRange(escalation.CloudDetections.Select(d => d.ToContract()));
        return reply;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Stored escalation {Key}: {Verdict} ({Detections} cloud detections)")]
        public static partial void Stored(ILogger logger, string key, string verdict, int detections);

        [LoggerMessage(Level = LogLevel.Information, Message = "Escalation {Key} was already stored; answered from the store")]
        public static partial void Duplicate(ILogger logger, string key);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected frame {DeviceId}/{Sequence}: {Error}")]
        public static partial void Rejected(ILogger logger, string deviceId, ulong sequence, string error);
    }
}
