using System.Globalization;
using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.EdgeAgent.Parts;

/// <summary>
/// Groups inspected frames into parts (<c>Parts:Source</c> tracker or trigger) and decides each part once, when it
/// leaves the view, by the part rule (<see cref="PartVerdict"/>): a frame's decision for a part is the edge band over
/// the detections on that part; pass and defect parts are counted, an uncertain part is escalated once with its most
/// informative frames. A confidently decided part picked by <c>Parts:AuditShare</c> is sent once as well, as an audit
/// with its most telling frames, after the line has its decision.
/// </summary>
/// <remarks>
/// Durability: a part's first uncertain frame writes an open entry for it to the outbox in the same transaction as the
/// frame's result; a more informative frame rewrites it (at most <c>Parts:MaxEscalatedFrames</c> frames); a part that
/// turns defect (or, once seen whole, no longer uncertain) has its entry deleted; a part that leaves the view uncertain
/// has its entry made ready for the forwarder. So no uncertain frame of a part lives only in memory once
/// <see cref="Inspect"/> returns. A write that fails is repeated with the next frame (the entry is always rebuilt whole
/// from memory, so repeating it is harmless). Open entries of a previous run are made ready at the first frame. An
/// audit's frames live in memory until its part is decided (an audit is a check, not an acknowledged uncertain frame):
/// a part in view when the process stops is not audited.
/// Not thread-safe: the inspection loop is its one caller.
/// </remarks>
public sealed partial class PartInspector : IDisposable
{
    private readonly PartsOptions _options;
    private readonly PartTracker? _tracker;
    private readonly OutboxStore _outbox;
    private readonly ResultStore _results;
    private readonly EdgeStats _stats;
    private readonly InspectionDegradation _degradation;
    private readonly OutboxOptions _outboxOptions;
    private readonly string _lineId;
    private readonly string _deviceId;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PartInspector> _logger;
    private readonly Dictionary<long, TrackedPart> _inView = [];

    // Parts whose latest state is not stored yet (a failed write), closed ones included: written with the next frame.
    private readonly List<TrackedPart> _unsynced = [];
    private readonly List<TrackedPart> _touched = [];
    private readonly List<long> _partIds = [];
    private bool _released;

    // The band of the last inspected frame: entries written by a gap (no frame) rank their uncertainty by it.
    private DecisionBand _band;

    public PartInspector(
        IOptions<PartsOptions> options,
        IOptions<PartTrackerOptions> trackerOptions,
        OutboxStore outbox,
        ResultStore results,
        EdgeStats stats,
        InspectionDegradation degradation,
        IOptions<OutboxOptions> outboxOptions,
        IOptions<EdgeOptions> edge,
        TimeProvider timeProvider,
        ILogger<PartInspector> logger)
    {
        _options = options.Value;
        _outbox = outbox;
        _results = results;
        _stats = stats;
        _degradation = degradation;
        _outboxOptions = outboxOptions.Value;
        _lineId = edge.Value.LineId;
        _deviceId = edge.Value.DeviceId;
        _timeProvider = timeProvider;
        _logger = logger;
        if (string.Equals(_options.Source, PartsOptions.Tracker, StringComparison.Ordinal))
        {
            _tracker = new PartTracker(trackerOptions.Value);
        }

        if (_options.Enabled)
        {
            _stats.PartsEnabled(_options.Source);
        }
    }

    /// <summary>Whether frames are grouped into parts (<c>Parts:Source</c> is not none).</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>
    /// Whether the frame <paramref name="sequence"/>, decided confidently while parts are off, is sent as an audit
    /// (<c>Parts:AuditShare</c>): the same hash rule as for parts, keyed by the device and the frame's sequence.
    /// </summary>
    public bool AuditsFrame(long sequence) => Audits(sequence);

    /// <summary>Parts being followed now.</summary>
    public int InView => _inView.Count;

    /// <summary>
    /// Once per process, before the first frame: the open part entries a previous run left (their tracking ended with
    /// that process) are made ready and sent as they stand. Runs whatever <c>Parts:Source</c> is now, so a device
    /// switched back to frames still sends them.
    /// </summary>
    public void ReleaseOpenParts()
    {
        if (_released)
        {
            return;
        }

        try
        {
            var released = _outbox.ReleaseOpenParts(_timeProvider.GetUtcNow());
            _released = true;
            if (released.Count > 0)
            {
                Log.OpenPartsReleased(_logger, released.Count, string.Join(", ", released));
            }
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            // Tried again before the next frame; the entries stay open (not sent) until then.
            Log.ReleaseFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Takes an inspected frame (<paramref name="record"/> is its result, not stored yet): follows the parts in it,
    /// decides the frame for each, stores the result with the parts' outbox changes in one transaction, and returns
    /// the parts that closed (left the view before this frame, or, for trigger, the frame's own part).
    /// <paramref name="durable"/> is false when the write failed: the result and the parts' state are then written with
    /// the next frame.
    /// </summary>
    public IReadOnlyList<PartOutcome> Inspect(Mat frame, InspectionRecord record, IReadOnlyList<Detection.Detection> detections, DecisionBand band, out bool durable)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(detections);
        ReleaseOpenParts();
        _band = band;
        _touched.Clear();
        _partIds.Clear();
        var closed = new List<PartOutcome>();
        var frameJpeg = new Lazy<byte[]>(() => Encode(frame));
        if (_tracker is null)
        {
            // Trigger: the frame is the part, whole in view, and it closes with the frame.
            var part = new TrackedPart(record.Id, record.Id, record.CapturedAt) { AuditPicked = Audits(record.Id) };
            AddView(part, record, frame, detections, null, wholeInView: true, band, frameJpeg, maxFrames: 1);
            _partIds.Add(part.Id);
            Close(part, closed);
        }
        else
        {
            _tracker.Track(frame);
            foreach (var trackerId in _tracker.ClosedInLastFrame)
            {
                if (_inView.Remove(trackerId, out var leaving))
                {
                    Close(leaving, closed);
                }
            }

            foreach (var sighting in _tracker.InView)
            {
                if (!_inView.TryGetValue(sighting.PartId, out var part))
                {
                    part = new TrackedPart(record.Id, sighting.PartId, record.CapturedAt) { AuditPicked = Audits(record.Id) };
                    _inView.Add(sighting.PartId, part);
                }

                var onPart = new List<Detection.Detection>();
                foreach (var detection in detections)
                {
                    if (sighting.Holds(detection, _options.DetectionMargin))
                    {
                        onPart.Add(detection);
                    }
                }

                AddView(part, record, frame, onPart, sighting.Box, sighting.WholeInView, band, frameJpeg, _options.MaxEscalatedFrames);
                _partIds.Add(part.Id);
            }
        }

        record.PartIds = [.. _partIds];
        durable = Store(record, band);
        _stats.SetPartsInView(_inView.Count);
        return closed;
    }

    /// <summary>
    /// The frames no longer follow on (the camera reconnected, or inspection was paused): positions from before say
    /// nothing about the next frame, so the tracker forgets every part in view and they are decided on the frames
    /// they had. Reduced mode's every-Nth frame is not a gap: the stride is regular and the tracker keeps following.
    /// Returns the parts closed.
    /// </summary>
    public IReadOnlyList<PartOutcome> Gap()
    {
        if (_tracker is null || _inView.Count == 0)
        {
            return [];
        }

        ReleaseOpenParts();
        _touched.Clear();
        _tracker.Reset();
        var closed = new List<PartOutcome>();
        foreach (var trackerId in _tracker.ClosedInLastFrame)
        {
            if (_inView.Remove(trackerId, out var leaving))
            {
                Close(leaving, closed);
            }
        }

        Log.GapClosedParts(_logger, closed.Count);
        Store(null, _band);
        _stats.SetPartsInView(_inView.Count);
        return closed;
    }

    public void Dispose() => _tracker?.Dispose();

    private void AddView(
        TrackedPart part,
        InspectionRecord record,
        Mat frame,
        IReadOnlyList<Detection.Detection> onPart,
        BoundingBox? box,
        bool wholeInView,
        DecisionBand band,
        Lazy<byte[]> jpeg,
        int maxFrames)
    {
        part.FramesSeen++;
        part.LastSeen = record.CapturedAt;
        var decision = band.Decide(onPart);
        var score = PartVerdict.DecidingScore(onPart);
        var counted = part.Counted(_options.WholeViewsOnly);
        var before = (counted.Decision, Top: counted.Top.Count == 0 ? -1 : counted.Top[0].Sequence, Last: counted.Top.Count == 0 ? -1 : counted.Top[^1].Sequence, counted.Top.Count);
        PartFrameEntry? entry = null;
        PartFrameEntry Entry() => entry ??= new PartFrameEntry
        {
            Sequence = record.Id,
            CapturedAt = record.CapturedAt,
            Jpeg = jpeg.Value,
            Width = frame.Width,
            Height = frame.Height,
            Detections = DetectionRecord.From(onPart),
            Box = box is { } b ? PartBoxRecord.From(b) : null,
            Score = score,
        };
        foreach (var evidence in wholeInView ? new[] { part.Whole, part.All } : new[] { part.All })
        {
            evidence.Count(decision);
            if (decision == Decision.Uncertain && evidence.WouldKeep(score, maxFrames))
            {
                evidence.Keep(Entry(), maxFrames);
            }

            if (part.AuditPicked && evidence.WouldKeepTelling(score, maxFrames))
            {
                evidence.KeepTelling(Entry(), maxFrames);
            }
        }

        if (decision == Decision.Uncertain || (part.AuditPicked && part.ModelName.Length == 0))
        {
            part.ModelName = record.ModelName;
            part.ModelVersion = record.ModelVersion;
            part.ModelRelease = record.ModelRelease;
        }

        // Written again only when what the outbox holds for it changes: its decision or its escalated frames.
        counted = part.Counted(_options.WholeViewsOnly);
        var after = (counted.Decision, Top: counted.Top.Count == 0 ? -1 : counted.Top[0].Sequence, Last: counted.Top.Count == 0 ? -1 : counted.Top[^1].Sequence, counted.Top.Count);
        if (before != after || (counted.Decision == Decision.Uncertain) != part.InOutbox)
        {
            Touch(part);
        }
    }

    private void Close(TrackedPart part, List<PartOutcome> closed)
    {
        part.Closed = true;
        var decision = part.Counted(_options.WholeViewsOnly).Decision;
        part.SafeRejected = decision == Decision.Uncertain && _degradation.SafeInForce;
        _stats.PartDecided(decision, part.SafeRejected);
        Touch(part);
        closed.Add(new PartOutcome(part.Id, decision, part.SafeRejected, part.FramesSeen, decision == Decision.Uncertain && !part.Evicted));
    }

    private void Touch(TrackedPart part)
    {
        if (!_touched.Contains(part))
        {
            _touched.Add(part);
        }
    }

    /// <summary>Writes the frame's result with the outbox changes and the closed parts; false when that failed (repeated with the next frame).</summary>
    private bool Store(InspectionRecord? record, DecisionBand band)
    {
        foreach (var part in _unsynced)
        {
            Touch(part);
        }

        var now = _timeProvider.GetUtcNow();
        var upserts = new List<OutboxEntry>();
        var deletes = new List<long>();
        var records = new List<PartRecord>();
        var written = new HashSet<long>();
        foreach (var part in _touched)
        {
            var counted = part.Counted(_options.WholeViewsOnly);
            if (part.InOutbox)
            {
                written.Add(part.Id);
            }

            if (counted.Decision == Decision.Uncertain && !part.Evicted)
            {
                upserts.Add(ToEntry(part, counted, counted.Top, null, band, now));
            }
            else if (part.IsAudit(_options.WholeViewsOnly))
            {
                upserts.Add(ToEntry(part, counted, counted.Telling, counted.Decision, band, now));
            }
            else if (part.InOutbox)
            {
                deletes.Add(part.Id);
            }

            if (part.Closed)
            {
                records.Add(part.ToRecord(_options.Source, _options.WholeViewsOnly));
            }
        }

        if (record is null && upserts.Count == 0 && deletes.Count == 0 && records.Count == 0)
        {
            return true;
        }

        IReadOnlyList<long> evicted;
        try
        {
            if (upserts.Count == 0 && deletes.Count == 0 && records.Count == 0)
            {
                // Most frames change nothing about a part's outbox entry: the result alone, as in none mode.
                _results.Insert(record!);
                return true;
            }

            evicted = _outbox.WriteParts(record, upserts, deletes, records, written);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            _stats.OutboxWriteFailed();
            Log.WriteFailed(_logger, record?.Id ?? 0, ex);
            foreach (var part in _touched)
            {
                if (!_unsynced.Contains(part))
                {
                    _unsynced.Add(part);
                }
            }

            // The transaction may have committed before the flush failed: then the result is already there.
            if (record is not null && _results.Find(record.Id) is null)
            {
                TryStoreResult(record);
            }

            return false;
        }

        _unsynced.Clear();
        foreach (var entry in upserts)
        {
            var part = _touched.Find(p => p.Id == entry.Id)!;
            part.InOutbox = !evicted.Contains(entry.Id);
            if (!part.InOutbox)
            {
                part.Evicted = true;
                Log.OpenPartEvicted(_logger, part.Id);
                if (part.Closed)
                {
                    TryRecordEviction(part);
                }
            }
        }

        foreach (var id in deletes)
        {
            _touched.Find(p => p.Id == id)!.InOutbox = false;
        }

        return true;
    }

    // frames: the uncertain ones, or for an audit the most telling ones, most informative first; audit: the edge's
    // decision of an audited part, null for an uncertain one.
    private OutboxEntry ToEntry(TrackedPart part, PartEvidence counted, List<PartFrameEntry> frames, Decision? audit, DecisionBand band, DateTimeOffset now)
    {
        var main = frames[0];
        var best = main.Detections.MaxBy(d => d.Confidence);
        var half = (band.Upper - band.Lower) / 2.0;
        var auditName = audit is { } decided ? decided.ToString().ToLowerInvariant() : null;
        part.TraceParent ??= EdgeTelemetry.RecordEscalated(
            EdgeTelemetry.PartSpan, new DateTimeOffset(DateTime.SpecifyKind(part.FirstSeen, DateTimeKind.Utc)), now, part.Id, auditName is null ? "uncertain part" : $"audit: the edge decided {auditName}");
        return new OutboxEntry
        {
            TraceParent = part.TraceParent,
            Id = part.Id,
            LineId = _lineId,
            CapturedAt = main.CapturedAt,
            Jpeg = main.Jpeg,
            Width = main.Width,
            Height = main.Height,
            ModelName = part.ModelName,
            ModelVersion = part.ModelVersion,
            ModelRelease = part.ModelRelease,
            Detections = main.Detections,
            Reason = (auditName, best) switch
            {
                (null, null) => "uncertain part",
                (null, { } b) => string.Create(CultureInfo.InvariantCulture, $"uncertain part: {b.ClassName} {b.Confidence:0.00}"),
                (_, null) => $"audit: the edge decided {auditName}",
                (_, { } b) => string.Create(CultureInfo.InvariantCulture, $"audit: the edge decided {auditName} ({b.ClassName} {b.Confidence:0.00})"),
            },
            EdgeAudit = auditName,
            NextAttemptAt = part.Closed ? now.UtcDateTime : DateTime.MaxValue,

            // An audit is the first to go when the outbox is full: what the edge was unsure of matters more.
            Uncertainty = auditName is not null || half <= 0 ? 0 : Math.Clamp(1 - (Math.Abs(main.Score - (band.Lower + half)) / half), 0, 1),
            PartSource = _options.Source,
            Open = !part.Closed,
            FrameSequence = main.Sequence,
            PartBox = main.Box,
            PartFrames = frames.GetRange(1, frames.Count - 1),
            FramesSeen = part.FramesSeen,
            FramesUncertain = counted.Uncertain,
            FirstSeen = part.FirstSeen,
            LastSeen = part.LastSeen,
        };
    }

    private bool Audits(long id) =>
        _options.AuditShare > 0 && AuditSample.Picks(string.Create(CultureInfo.InvariantCulture, $"{_deviceId}/{id}"), _options.AuditShare);

    private byte[] Encode(Mat frame)
    {
        Cv2.ImEncode(".jpg", frame, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, _outboxOptions.JpegQuality));
        return jpeg;
    }

    private void TryStoreResult(InspectionRecord record)
    {
        try
        {
            _results.Insert(record);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            _stats.StorageError();
            Log.ResultNotStored(_logger, record.Id, ex);
        }
    }

    private void TryRecordEviction(TrackedPart part)
    {
        try
        {
            _outbox.WriteParts(null, [], [], [part.ToRecord(_options.Source, _options.WholeViewsOnly)], new HashSet<long>());
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            _stats.StorageError();
            Log.ResultNotStored(_logger, part.Id, ex);
        }
    }

    private static bool IsStorageFailure(Exception ex) => ex is LiteException or IOException or UnauthorizedAccessException;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1700, Level = LogLevel.Warning, Message = "{Count} uncertain parts were still in view when the agent last stopped; their outbox entries are sent as they stood: {PartIds}")]
        public static partial void OpenPartsReleased(ILogger logger, int count, string partIds);

        [LoggerMessage(EventId = 1701, Level = LogLevel.Error, Message = "Open part entries of the previous run could not be made ready; tried again before the next frame")]
        public static partial void ReleaseFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1702, Level = LogLevel.Error, Message = "Frame {Sequence} and its parts could not be written to the database; written again with the next frame")]
        public static partial void WriteFailed(ILogger logger, long sequence, Exception exception);

        [LoggerMessage(EventId = 1703, Level = LogLevel.Error, Message = "Result of frame {Sequence} could not be stored")]
        public static partial void ResultNotStored(ILogger logger, long sequence, Exception exception);

        [LoggerMessage(EventId = 1704, Level = LogLevel.Warning, Message = "The outbox entry of uncertain part {PartId} was evicted by the quota policy while the part was in view; the part is not escalated")]
        public static partial void OpenPartEvicted(ILogger logger, long partId);

        [LoggerMessage(EventId = 1705, Level = LogLevel.Information, Message = "A gap in the frames closed {Count} parts in view; they are decided on the frames they had")]
        public static partial void GapClosedParts(ILogger logger, int count);
    }
}
