using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Inspection.CloudInference.Diagnostics;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.V1;
using Inspection.Detection.Parts;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Judges one escalated frame or part: validate, answer a known key from the store, otherwise run the cloud
/// model, decide, store — and only then return the reply. A frame is decoded only after its JPEG header showed a size
/// within <see cref="EscalationOptions.MaxPixels"/>. Store-before-reply is the contract the edge
/// relies on: it deletes a frame (or part) from its outbox when it gets this reply.
/// A part is judged frame by frame, each frame on the detections that lie on the part, and the part by
/// <see cref="PartVerdict.Of"/>: the same rule the edge decides by.
/// </summary>
public sealed partial class EscalationProcessor
{
    /// <summary>
    /// How far past the part's box a detection's centre may lie and still count for the part: the edge's default
    /// <c>Parts:DetectionMargin</c> (a defect on the part's rim may reach past the silhouette).
    /// </summary>
    public const float PartMarginPixels = 8;

    private readonly CloudDetector _detector;
    private readonly IEscalationStore _store;
    private readonly DecisionOptions _decision;
    private readonly EscalationOptions _limits;
    private readonly CloudMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<EscalationProcessor> _logger;

    public EscalationProcessor(
        CloudDetector detector,
        IEscalationStore store,
        IOptions<DecisionOptions> decision,
        IOptions<EscalationOptions> limits,
        CloudMetrics metrics,
        TimeProvider time,
        ILogger<EscalationProcessor> logger)
    {
        _metrics = metrics;
        _detector = detector;
        _store = store;
        _decision = decision.Value;
        _limits = limits.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Judges one request that came from <paramref name="peer"/> (kept with a refusal). <paramref name="answerBy"/> is
    /// when the caller stops waiting (the call's deadline; <see cref="DateTime.MaxValue"/> for none): a frame still
    /// queued for the model too close to it is given back with <see cref="CloudBusyException"/>, nothing stored.
    /// </summary>
    public async Task<EscalationReply> ProcessAsync(EscalationRequest request, string peer, DateTime answerBy, CancellationToken cancellationToken)
    {
        _metrics.Received();
        var receivedAt = _time.GetUtcNow();
        var refusal = new Refusal(request, peer, receivedAt);
        var key = request.Key;
        if (key is null)
        {
            return Reject(refusal, RefusalKind.NoKey, "the frame has no key (device id + sequence)");
        }

        if (!MqttTopics.IsValidDeviceId(key.DeviceId))
        {
            return Reject(refusal, RefusalKind.InvalidDeviceId, $"device id {Printable.Quote(key.DeviceId)} is not valid: use 1-64 letters, digits, '-', '_' or '.'");
        }

        if (key.Sequence == 0)
        {
            return Reject(refusal, RefusalKind.InvalidSequence, "invalid argument: sequence starts at 1 (the key's sequence is 0)");
        }

        if (key.Sequence > long.MaxValue)
        {
            return Reject(refusal, RefusalKind.InvalidSequence, $"invalid argument: sequence {key.Sequence} is out of range (at most {long.MaxValue})");
        }

        if (_store.Find(key.DeviceId, key.Sequence) is { } known)
        {
            return Duplicate(known);
        }

        if (request.Part is not null)
        {
            return await ProcessPartAsync(refusal, request.Part, answerBy, cancellationToken).ConfigureAwait(false);
        }

        if (request.Jpeg.IsEmpty)
        {
            return Reject(refusal, RefusalKind.NoJpeg, "the frame has no JPEG bytes");
        }

        var jpeg = OwnedBytes(request.Jpeg);
        IReadOnlyList<Detection.Detection> detections;
        using (var frame = Decode(jpeg, out var kind, out var error))
        {
            if (frame is null)
            {
                return Reject(refusal, kind, error);
            }

            detections = await _detector.DetectAsync(frame, answerBy, cancellationToken).ConfigureAwait(false);
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
            EdgeAudit = AuditOf(request),
            CloudModelName = _detector.ModelRef.Name,
            CloudModelVersion = _detector.ModelRef.Version,
            CloudDetections = [.. detections.Select(StoredDetection.From)],
            Verdict = verdict,
        };

        if (!Store(escalation, [(escalation.Key, jpeg)]))
        {
            // Another stream stored the same key between the lookup and the insert: answer with what won.
            return Duplicate(_store.Find(key.DeviceId, key.Sequence)
                ?? throw new InvalidOperationException($"Escalation {escalation.Key} was reported stored but cannot be read back."));
        }

        _metrics.Stored(verdict);
        Log.Stored(_logger, escalation.Key, verdict, detections.Count);
        return ToReply(escalation, duplicate: false);
    }

    private async Task<EscalationReply> ProcessPartAsync(Refusal refusal, PartInfo part, DateTime answerBy, CancellationToken cancellationToken)
    {
        var request = refusal.Request;
        var receivedAt = refusal.At;
        var key = request.Key;
        if (part.PartId != key.Sequence)
        {
            return Reject(refusal, RefusalKind.InvalidPart, $"part id {part.PartId} differs from the key's sequence {key.Sequence}; a part is escalated under its own id");
        }

        // The request's own frame first (the most informative), then the others in the edge's order; a frame sent
        // twice is judged once.
        var inputs = new List<PartFrame>(1 + request.PartFrames.Count)
        {
            new()
            {
                Sequence = part.FrameSequence,
                CapturedAt = request.CapturedAt,
                Jpeg = request.Jpeg,
                Width = request.Width,
                Height = request.Height,
                EdgeDetections = { request.EdgeDetections },
                PartBox = part.PartBox,
            },
        };
        inputs.AddRange(request.PartFrames.Where(f => f.Sequence != part.FrameSequence).DistinctBy(f => f.Sequence));

        var frames = new List<StoredPartFrame>(inputs.Count);
        var jpegs = new List<(string Key, byte[] Jpeg)>(inputs.Count);
        foreach (var input in inputs)
        {
            if (input.Sequence > long.MaxValue)
            {
                return Reject(refusal, RefusalKind.InvalidPart, $"frame sequence {input.Sequence} of part {part.PartId} is out of range (at most {long.MaxValue})");
            }

            var jpeg = OwnedBytes(input.Jpeg);
            var frame = await JudgeAsync(input, jpeg, answerBy, cancellationToken).ConfigureAwait(false);
            frames.Add(frame);
            jpegs.Add((StoredPart.FrameKeyOf(key.DeviceId, (long)part.PartId, frame.Sequence), jpeg));
            if (frame.Error.Length > 0)
            {
                Log.PartFrameRefused(_logger, key.DeviceId, part.PartId, frame.Sequence, frame.Error);
            }
        }

        var judged = frames.Where(f => f.Error.Length == 0).ToList();
        if (judged.Count == 0)
        {
            return Reject(
                refusal,
                RefusalKind.NoFrameJudged,
                $"none of the part's {frames.Count} frames could be judged: {string.Join("; ", frames.Select(f => $"frame {f.Sequence}: {f.Error}"))}");
        }

        var verdict = Verdicts.ToName(PartVerdict.Of(judged.Select(f => Verdicts.ToDecision(f.Verdict))));
        var first = frames[0];
        var escalation = new StoredEscalation
        {
            Key = StoredEscalation.KeyOf(key.DeviceId, key.Sequence),
            DeviceId = key.DeviceId,
            Sequence = (long)key.Sequence,
            LineId = request.LineId,
            CapturedAt = first.CapturedAt,
            ReceivedAt = receivedAt,
            ReceivedTicks = receivedAt.UtcTicks,
            Width = first.Width,
            Height = first.Height,
            JpegBytes = first.JpegBytes,
            EdgeModelName = request.EdgeModel?.Name ?? string.Empty,
            EdgeModelVersion = request.EdgeModel?.Version ?? string.Empty,
            EdgeModelRelease = (long)Math.Min(request.EdgeModel?.Release ?? 0, long.MaxValue),
            EdgeDetections = first.EdgeDetections,
            Reason = request.Reason,
            EdgeAudit = AuditOf(request),
            CloudModelName = _detector.ModelRef.Name,
            CloudModelVersion = _detector.ModelRef.Version,
            CloudDetections = first.CloudDetections,
            Verdict = verdict,
            Part = new StoredPart
            {
                PartId = (long)part.PartId,
                Source = part.Source,
                FramesSeen = (int)Math.Min(part.FramesSeen, int.MaxValue),
                FramesUncertain = (int)Math.Min(part.FramesUncertain, int.MaxValue),
                FirstSeen = part.FirstSeen?.ToDateTimeOffset(),
                LastSeen = part.LastSeen?.ToDateTimeOffset(),
                Frames = frames,
            },
        };

        if (!Store(escalation, jpegs))
        {
            return Duplicate(_store.Find(key.DeviceId, key.Sequence)
                ?? throw new InvalidOperationException($"Escalation {escalation.Key} was reported stored but cannot be read back."));
        }

        _metrics.Stored(verdict);
        Log.StoredPart(_logger, escalation.Key, verdict, judged.Count, frames.Count - judged.Count);
        return ToReply(escalation, duplicate: false);
    }

    // One frame of a part: decoded, run through the cloud model, decided by the band over the detections on the part.
    private async Task<StoredPartFrame> JudgeAsync(PartFrame input, byte[] jpeg, DateTime answerBy, CancellationToken cancellationToken)
    {
        var frame = new StoredPartFrame
        {
            Sequence = (long)input.Sequence,
            CapturedAt = input.CapturedAt?.ToDateTimeOffset(),
            Width = input.Width,
            Height = input.Height,
            JpegBytes = jpeg.Length,
            PartBox = input.PartBox is { } box ? StoredPartBox.From(box) : null,
            EdgeDetections = [.. input.EdgeDetections.Select(StoredDetection.From)],
        };

        if (jpeg.Length == 0)
        {
            frame.Error = "the frame has no JPEG bytes";
            return frame;
        }

        IReadOnlyList<Detection.Detection> detections;
        using (var image = Decode(jpeg, out _, out var error))
        {
            if (image is null)
            {
                frame.Error = error;
                return frame;
            }

            detections = await _detector.DetectAsync(image, answerBy, cancellationToken).ConfigureAwait(false);
        }

        // No box (a trigger part): the whole frame is the part.
        var onPart = frame.PartBox is { } partBox
            ? detections.Where(d => PartSighting.Holds(partBox.ToBox(), d, PartMarginPixels)).ToList()
            : [.. detections];
        frame.CloudDetections = [.. onPart.Select(StoredDetection.From)];
        frame.IgnoredDetections = detections.Count - onPart.Count;
        frame.Verdict = Verdicts.ToName(_decision.Band.Decide(onPart));
        return frame;
    }

    // The size is read from the header first: decoding is what takes the memory (12000 x 12000 pixels: 432 MB).
    private Mat? Decode(byte[] jpeg, out RefusalKind kind, out string error)
    {
        kind = RefusalKind.Undecodable;
        error = $"the JPEG ({jpeg.Length} bytes) could not be decoded";
        if (!JpegHeader.TryReadSize(jpeg, out var width, out var height))
        {
            error += ": no JPEG frame header (SOF) stating its size was found";
            return null;
        }

        if ((long)width * height > _limits.MaxPixels)
        {
            kind = RefusalKind.TooManyPixels;
            error = $"the JPEG is {width}x{height} pixels ({(long)width * height}), above the cloud's limit of {_limits.MaxPixels} pixels (Cloud:Escalations:MaxPixels); send a smaller frame";
            return null;
        }

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

    /// <summary>The edge's own decision when the request is an audit, else null; an unknown value is not an audit.</summary>
    private static string? AuditOf(EscalationRequest request) => request.EdgeAudit switch
    {
        Verdict.Pass => Verdicts.Pass,
        Verdict.Defect => Verdicts.Defect,
        _ => null,
    };

    // The store's write is the span: the escalation and its frames in one transaction.
    private bool Store(StoredEscalation escalation, IReadOnlyList<(string Key, byte[] Jpeg)> frames)
    {
        using var activity = CloudTelemetry.Source.StartActivity(CloudTelemetry.StoreSpan);
        activity?.SetTag("inspection.verdict", escalation.Verdict);
        activity?.SetTag("inspection.frames", frames.Count);
        var stored = _store.TryAdd(escalation, frames);
        activity?.SetTag("inspection.duplicate", !stored);
        return stored;
    }

    private EscalationReply Duplicate(StoredEscalation known)
    {
        _metrics.Duplicate();
        Activity.Current?.SetTag("inspection.duplicate", true);
        _store.CountDuplicate();
        Log.Duplicate(_logger, known.Key);
        return ToReply(known, duplicate: true);
    }

    private EscalationReply Reject(Refusal refusal, RefusalKind kind, string error)
    {
        var request = refusal.Request;
        _metrics.Refused(RefusalReason(kind));
        Activity.Current?.SetStatus(ActivityStatusCode.Error, error);
        var record = _store.AddRejected(
            request.Key?.DeviceId, request.Key?.Sequence, request.LineId, kind, error, request.Jpeg.Span, refusal.Peer, refusal.At);
        if (request.Key is null)
        {
            Log.RejectedWithoutKey(_logger, refusal.Peer, error, record.Count);
        }
        else
        {
            Log.Rejected(_logger, Printable.Quote(request.Key.DeviceId), request.Key.Sequence, refusal.Peer, error, record.Count);
        }

        return new EscalationReply
        {
            Key = request.Key ?? new FrameKey(),
            Verdict = Verdict.Unspecified,
            Error = error,
        };
    }

    /// <summary>The refusal's reason as the metric names it: <c>no-key</c>, <c>too-many-pixels</c>, ...</summary>
    public static string RefusalReason(RefusalKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? $"-{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}"));

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
        if (escalation.Part is { } part)
        {
            // A refused frame answers with no verdict: the part was decided on its other frames.
            reply.PartFrameResults.AddRange(part.Frames.Skip(1).Select(f => new PartFrameResult
            {
                Sequence = (ulong)f.Sequence,
                Verdict = Verdicts.ToContract(f.Verdict),
                CloudDetections = { f.CloudDetections.Select(d => d.ToContract()) },
            }));
        }

        return reply;
    }

    // The parsed message's own array, not a copy of it: gRPC's parser gives each bytes field a fresh array of exactly its
    // length that nothing else holds or changes, and the request is not used after this frame. Anything else (a field
    // that shares a larger buffer) is copied.
    private static byte[] OwnedBytes(ByteString bytes) =>
        MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Array is { } array && segment.Offset == 0 && segment.Count == array.Length
            ? array
            : bytes.ToByteArray();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Stored escalation {Key}: {Verdict} ({Detections} cloud detections)")]
        public static partial void Stored(ILogger logger, string key, string verdict, int detections);

        [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Stored part {Key}: {Verdict} from {Judged} frames ({Refused} refused)")]
        public static partial void StoredPart(ILogger logger, string key, string verdict, int judged, int refused);

        [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "Part of device '{DeviceId}' id {PartId}: frame {FrameSequence} refused, the part is decided on its other frames: {Error}")]
        public static partial void PartFrameRefused(ILogger logger, string deviceId, ulong partId, long frameSequence, string error);

        [LoggerMessage(Level = LogLevel.Information, Message = "Escalation {Key} was already stored; answered from the store")]
        public static partial void Duplicate(ILogger logger, string key);

        // The device id comes quoted and escaped: a refused one may contain '/', quotes or line breaks.
        [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "Refused the frame of device {DeviceId} sequence {Sequence} from {Peer} ({Count} times): {Error}")]
        public static partial void Rejected(ILogger logger, string deviceId, ulong sequence, string peer, string error, long count);

        [LoggerMessage(EventId = 1113, Level = LogLevel.Warning, Message = "Refused a frame without a key from {Peer} ({Count} times): {Error}")]
        public static partial void RejectedWithoutKey(ILogger logger, string peer, string error, long count);
    }

    /// <summary>What a refusal records besides its reason: the request, who sent it and when.</summary>
    private readonly record struct Refusal(EscalationRequest Request, string Peer, DateTimeOffset At);
}
