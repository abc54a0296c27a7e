using System.Globalization;
using Inspection.Detection;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// Inspects one frame: detect, decide, record the result, and for an uncertain frame put the original
/// frame into the durable outbox before returning, so the pipeline never moves on with an uncertain frame
/// that only exists in memory. Not thread-safe: the inspection loop is its one caller.
/// </summary>
public sealed partial class FrameInspector
{
    // Room made for a frame the disk refused, at least: a handful of pages, so a tiny frame does not evict one by one.
    private const long MinimumRoomBytes = 256 * 1024;

    private readonly ActiveModel _models;
    private readonly SequenceCounter _sequence;
    private readonly ResultStore _results;
    private readonly OutboxStore _outbox;
    private readonly EdgeStats _stats;
    private readonly InspectionDegradation _degradation;
    private readonly OutboxOptions _outboxOptions;
    private readonly string _lineId;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FrameInspector> _logger;
    private readonly Queue<OutboxEntry> _pending = new();
    private readonly PartInspector? _parts;

    public FrameInspector(
        ActiveModel models,
        SequenceCounter sequence,
        ResultStore results,
        OutboxStore outbox,
        EdgeStats stats,
        InspectionDegradation degradation,
        IOptions<OutboxOptions> outboxOptions,
        IOptions<EdgeOptions> edge,
        TimeProvider timeProvider,
        ILogger<FrameInspector> logger,
        PartInspector? parts = null)
    {
        _parts = parts;
        _models = models;
        _sequence = sequence;
        _results = results;
        _outbox = outbox;
        _stats = stats;
        _degradation = degradation;
        _outboxOptions = outboxOptions.Value;
        _lineId = edge.Value.LineId;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// The frames no longer follow on (camera reconnect, paused): parts in view are closed and decided on the frames
    /// they had (see <see cref="PartInspector.Gap"/>). Nothing happens when the agent decides frames.
    /// </summary>
    public IReadOnlyList<PartOutcome> FrameGap() => _parts is { Enabled: true } ? _parts.Gap() : [];

    /// <summary>Uncertain frames waiting in memory because the outbox could not be written.</summary>
    public int PendingOutboxEntries => _pending.Count;

    /// <summary>
    /// Inspects <paramref name="frame"/> (BGR, owned by the caller). Returns null when the frame is skipped:
    /// empty, or the model or the database failed on it (logged and counted).
    /// </summary>
    public InspectionOutcome? Inspect(Mat frame, DateTimeOffset capturedAt)
    {
        if (frame.Empty())
        {
            _stats.BadFrame();
            Log.EmptyFrame(_logger);
            return null;
        }

        RetryPending();
        _parts?.ReleaseOpenParts();

        // The frame holds the models until it ends: a model change waits for the frame to end.
        using var models = _models.BeginFrame();
        var model = models.Current;
        var started = _timeProvider.GetTimestamp();
        IReadOnlyList<Detection.Detection> detections;
        try
        {
            detections = model.Detector.Detect(frame);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            models.Decided(-1, null, _timeProvider.GetElapsedTime(started));
            _stats.DetectorError();
            _degradation.DetectorFailed(ex.Message);
            Log.DetectFailed(_logger, ex);
            return null;
        }

        var latency = _timeProvider.GetElapsedTime(started);
        _degradation.Inspected(latency);
        var decision = model.Band.Decide(detections);

        // The safe policy: nothing doubtful passes while it is in force. The edge's decision stays in the record and
        // the frame still goes to the outbox, so the cloud settles it later.
        var safeRejected = decision == Decision.Uncertain && _degradation.SafeInForce;

        long sequence;
        try
        {
            sequence = _sequence.Next();
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            models.Decided(-1, decision, latency);
            _stats.StorageError();
            Log.SequenceFailed(_logger, ex);
            return null;
        }

        models.Decided(sequence, decision, latency);
        var metadata = model.Detector.Model;
        var detectionRecords = DetectionRecord.From(detections);
        var record = new InspectionRecord
        {
            Id = sequence,
            CapturedAt = capturedAt.UtcDateTime,
            Decision = decision,
            Detections = detectionRecords,
            ModelName = metadata.Name,
            ModelVersion = metadata.Version,
            ModelRelease = model.Release,
            LatencyMs = latency.TotalMilliseconds,
            RejectedBySafePolicy = safeRejected,
        };

        // With parts, frames no longer go to the outbox one by one: the part decides, and its entry holds its frames.
        IReadOnlyList<PartOutcome>? closedParts = null;
        bool inOutbox;
        if (_parts is { Enabled: true })
        {
            closedParts = _parts.Inspect(frame, record, detections, model.Band, out inOutbox);
        }
        else
        {
            // A confident frame picked by Parts:AuditShare goes the same durable way, marked as an audit; its decision stands.
            inOutbox = decision == Decision.Uncertain ? Escalate(frame, record, capturedAt, detections, metadata, model.Band, null)
                : _parts is not null && _parts.AuditsFrame(sequence) ? Escalate(frame, record, capturedAt, detections, metadata, model.Band, decision)
                : StoreResult(record);
        }

        _stats.FrameInspected(decision, sequence);
        _stats.FrameTimed(latency, _timeProvider.GetUtcNow() - capturedAt);
        if (safeRejected)
        {
            _stats.FrameSafeRejected();
        }

        ApplyRetention();
        if (models.SecondModel() is { } second)
        {
            RunSecondModel(models, second, frame);
        }

        return new InspectionOutcome(sequence, decision, detections, latency, inOutbox, safeRejected, closedParts);
    }

    /// <summary>Runs the model that goes beside the deciding one during a model change, after the frame is recorded; a failure counts against it.</summary>
    private void RunSecondModel(FrameScope models, LoadedModel second, Mat frame)
    {
        var started = _timeProvider.GetTimestamp();
        Decision? decision;
        try
        {
            decision = second.Band.Decide(second.Detector.Detect(frame));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ShadowFailed(_logger, ex);
            decision = null;
        }

        models.SecondModelDecided(decision, _timeProvider.GetElapsedTime(started));
    }

    /// <summary>Stores a pass or defect result; returns false (never in the outbox).</summary>
    private bool StoreResult(InspectionRecord record)
    {
        try
        {
            _results.Insert(record);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            // The decision stands (the line needs it); only the local record is missing.
            _stats.StorageError();
            Log.ResultNotStored(_logger, record.Id, ex);
        }

        return false;
    }

    /// <summary>
    /// Stores an uncertain frame's result together with its outbox entry (one transaction, durable on
    /// return; the outbox makes room by its quota policy first). When that fails, the result is stored on its own if
    /// it can be, and the entry waits in memory. <paramref name="audit"/> is the edge's decision of a confident frame
    /// sent as an audit, null for an uncertain frame.
    /// </summary>
    private bool Escalate(
        Mat frame,
        InspectionRecord record,
        DateTimeOffset capturedAt,
        IReadOnlyList<Detection.Detection> detections,
        ModelMetadata metadata,
        DecisionBand band,
        Decision? audit)
    {
        var auditName = audit?.ToString().ToLowerInvariant();
        var reason = auditName is null ? DescribeReason(detections) : $"audit: the edge decided {auditName}";

        // The inference ended just now: its span is recorded after the fact, since only now is it known to be escalated.
        var decidedAt = _timeProvider.GetUtcNow();
        var traceParent = EdgeTelemetry.RecordEscalated(EdgeTelemetry.InferenceSpan, decidedAt - TimeSpan.FromMilliseconds(record.LatencyMs), decidedAt, record.Id, reason);
        Cv2.ImEncode(".jpg", frame, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, _outboxOptions.JpegQuality));
        var entry = new OutboxEntry
        {
            Id = record.Id,
            LineId = _lineId,
            CapturedAt = capturedAt.UtcDateTime,
            Jpeg = jpeg,
            Width = frame.Width,
            Height = frame.Height,
            ModelName = metadata.Name,
            ModelVersion = metadata.Version,
            ModelRelease = record.ModelRelease,
            Detections = record.Detections,
            Reason = reason,
            EdgeAudit = auditName,
            TraceParent = traceParent,
            NextAttemptAt = capturedAt.UtcDateTime,

            // An audit is the first to go when the outbox is full: what the edge was unsure of matters more.
            Uncertainty = auditName is null ? EscalationUncertainty.Of(band, detections) : 0,
        };

        if (_pending.Count == 0)
        {
            try
            {
                _outbox.Escalate(record, entry);
                return true;
            }
            catch (Exception ex) when (IsStorageFailure(ex))
            {
                _stats.OutboxWriteFailed();
                Log.OutboxWriteFailed(_logger, entry.Id, ex);
            }
        }

        // The transaction may have committed before the flush failed: then the result is already there.
        if (!ResultExists(record.Id))
        {
            StoreResult(record);
        }

        // Keep arrival order: behind frames that already wait.
        _pending.Enqueue(entry);
        if (_pending.Count > _outboxOptions.RetryQueueCapacity)
        {
            var dropped = _pending.Dequeue();
            _stats.OutboxEntryDropped();
            Log.OutboxEntryDropped(_logger, dropped.Id, _outboxOptions.RetryQueueCapacity);
        }

        _stats.SetOutboxPendingRetry(_pending.Count);
        return false;
    }

    private bool ResultExists(long sequence)
    {
        try
        {
            return _results.Find(sequence) is not null;
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            return false;
        }
    }

    private void RetryPending()
    {
        while (_pending.Count > 0)
        {
            var entry = _pending.Peek();

            // Failed once already: a second failure is a full disk, not a hiccup. Evict by the outbox's policy to make
            // room (counted, reported, recorded on the evicted frames' results), then write.
            if (!TryAdd(entry) && !(TryMakeRoom(entry) && TryAdd(entry)))
            {
                break;
            }

            _pending.Dequeue();
            Log.OutboxRetrySucceeded(_logger, entry.Id);
        }

        _stats.SetOutboxPendingRetry(_pending.Count);
    }

    private bool TryAdd(OutboxEntry entry)
    {
        try
        {
            // A failed attempt may still have reached the file (e.g. the insert committed, the flush failed).
            if (_outbox.Find(entry.Id) is null)
            {
                _outbox.Add(entry);
            }

            return true;
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            _stats.OutboxWriteFailed();
            Log.OutboxWriteFailed(_logger, entry.Id, ex);
            return false;
        }
    }

    private bool TryMakeRoom(OutboxEntry entry)
    {
        try
        {
            // Twice the frame: LiteDB needs free pages for the document and its index nodes, not just its bytes.
            return _outbox.MakeRoom(Math.Max(2 * _outbox.SizeOf(entry), MinimumRoomBytes)) is not null;
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            _stats.OutboxWriteFailed();
            Log.MakeRoomFailed(_logger, entry.Id, ex);
            return false;
        }
    }

    private void ApplyRetention()
    {
        try
        {
            var deleted = _results.ApplyRetention();
            if (deleted > 0)
            {
                _stats.ResultsRemoved(deleted);
                Log.ResultsDeleted(_logger, deleted);
            }
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            _stats.StorageError();
            Log.RetentionFailed(_logger, ex);
        }
    }

    private static string DescribeReason(IReadOnlyList<Detection.Detection> detections)
    {
        Detection.Detection? best = null;
        foreach (var detection in detections)
        {
            if (best is null || detection.Confidence > best.Confidence)
            {
                best = detection;
            }
        }

        return best is null
            ? "uncertain"
            : string.Create(CultureInfo.InvariantCulture, $"uncertain: {best.ClassName} {best.Confidence:0.00}");
    }

    private static bool IsStorageFailure(Exception ex) => ex is LiteException or IOException or UnauthorizedAccessException;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Empty frame from the source skipped")]
        public static partial void EmptyFrame(ILogger logger);

        [LoggerMessage(EventId = 1301, Level = LogLevel.Error, Message = "The model failed on a frame; frame skipped")]
        public static partial void DetectFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Error, Message = "Cannot reserve a sequence number in the database; frame skipped")]
        public static partial void SequenceFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Result of frame {Sequence} could not be stored")]
        public static partial void ResultNotStored(ILogger logger, long sequence, Exception exception);

        [LoggerMessage(EventId = 1304, Level = LogLevel.Error, Message = "Uncertain frame {Sequence} could not be written to the outbox; kept in memory and retried before the next frame")]
        public static partial void OutboxWriteFailed(ILogger logger, long sequence, Exception exception);

        [LoggerMessage(EventId = 1305, Level = LogLevel.Information, Message = "Uncertain frame {Sequence} is now in the outbox")]
        public static partial void OutboxRetrySucceeded(ILogger logger, long sequence);

        [LoggerMessage(EventId = 1306, Level = LogLevel.Error, Message = "Uncertain frame {Sequence} given up: more than {Capacity} frames wait for the outbox to accept writes")]
        public static partial void OutboxEntryDropped(ILogger logger, long sequence, int capacity);

        [LoggerMessage(EventId = 1307, Level = LogLevel.Information, Message = "Retention deleted {Count} old results")]
        public static partial void ResultsDeleted(ILogger logger, int count);

        [LoggerMessage(EventId = 1308, Level = LogLevel.Error, Message = "Retention of old results failed")]
        public static partial void RetentionFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1310, Level = LogLevel.Error, Message = "The outbox could not make room for uncertain frame {Sequence} on a full disk; it stays in memory")]
        public static partial void MakeRoomFailed(ILogger logger, long sequence, Exception exception);

        [LoggerMessage(EventId = 1309, Level = LogLevel.Warning, Message = "The model running beside the deciding one during a model change failed on a frame; counted against it")]
        public static partial void ShadowFailed(ILogger logger, Exception exception);
    }
}
