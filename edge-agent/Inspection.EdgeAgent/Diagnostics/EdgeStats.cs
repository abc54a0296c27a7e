using System.Diagnostics.Metrics;
using Inspection.Detection;
using Inspection.EdgeAgent.Storage;
using LiteDB;

namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>
/// Counters of the running agent, since it started, and the <see cref="Meter"/> <c>Inspection.EdgeAgent</c> that
/// exports them (<see cref="EdgeTelemetry"/>). Each count is kept once, here: the meter's observable instruments read
/// the same fields the reported state over MQTT reads, so what a Prometheus scrape or an OTLP collector sees and what
/// the fleet view shows cannot drift apart. The latency histograms are recorded by the inspection loop
/// (<see cref="FrameTimed"/>). Written by the pipeline and the forwarder, read by reporting; every member is
/// thread-safe.
/// </summary>
public sealed class EdgeStats : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _inferenceDuration;
    private readonly Histogram<double> _frameDuration;
    private readonly OutboxStore? _outbox;
    private long _framesRead;
    private long _escalationsSent;
    private long _escalationsFailed;
    private long _frames;
    private long _pass;
    private long _defect;
    private long _uncertain;
    private long _badFrames;
    private long _captureErrors;
    private long _detectorErrors;
    private long _storageErrors;
    private long _outboxWriteFailures;
    private long _outboxPendingRetry;
    private long _outboxDropped;
    private long _outboxEvicted;
    private long _outboxExpired;
    private long _escalated;
    private long _rejected;
    private long _resultsDeleted;
    private long _lastSequence;
    private long _skipped;
    private long _safeRejected;
    private long _partsPassed;
    private long _partsRejected;
    private long _partsUncertain;
    private long _partsSafeRejected;
    private long _partsEscalated;
    private long _audits;
    private long _partsInView;
    private string? _partSource;
    private long _reviewedDefect;
    private long _reviewedPass;
    private long _reviewsUnknown;
    private long _reviewsRefused;
    private string? _lastReviewId;

    /// <summary>
    /// Counters without a meter of the host's: the meter is the agent's own (benches and tests that build the pipeline
    /// by hand).
    /// </summary>
    public EdgeStats()
        : this(null, null)
    {
    }

    /// <param name="meterFactory">The host's meter factory (the meter is disposed with it); null: a meter of its own.</param>
    /// <param name="outbox">The outbox whose depth the <c>inspection.edge.outbox.depth</c> gauge reads; null: no gauge.</param>
    public EdgeStats(IMeterFactory? meterFactory, OutboxStore? outbox = null)
    {
        _outbox = outbox;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(EdgeTelemetry.MeterName, EdgeTelemetry.Version) ?? new Meter(EdgeTelemetry.MeterName, EdgeTelemetry.Version);
        _inferenceDuration = _meter.CreateHistogram(
            "inspection.edge.inference.duration", "s", "Time the deciding model took on a frame (detect, decode, NMS)", advice: EdgeTelemetry.LatencyBuckets);
        _frameDuration = _meter.CreateHistogram(
            "inspection.edge.frame.duration", "s", "From a frame read from the source to its decision stored (and, when uncertain, in the outbox)", advice: EdgeTelemetry.LatencyBuckets);
        _meter.CreateObservableCounter("inspection.edge.frames.read", () => FramesRead, "{frame}", "Frames read from the source, inspected or not");
        _meter.CreateObservableCounter("inspection.edge.frames.skipped", () => Skipped, "{frame}", "Frames read but not inspected (reduced mode's skipped frames, paused)");
        _meter.CreateObservableCounter("inspection.edge.decisions", ObserveDecisions, "{frame}", "Frames decided, by outcome (pass, defect, uncertain)");
        _meter.CreateObservableCounter("inspection.edge.parts.decisions", ObservePartDecisions, "{part}", "Parts decided, by outcome (pass, rejected, uncertain); only with Parts:Source");
        _meter.CreateObservableCounter("inspection.edge.escalations.sent", () => EscalationsSent, "{escalation}", "Outbox entries sent to the cloud, each attempt counted");
        _meter.CreateObservableCounter("inspection.edge.escalations.stored", () => Escalated, "{escalation}", "Escalated frames (and parts) the cloud stored and answered");
        _meter.CreateObservableCounter("inspection.edge.escalations.refused", () => Rejected, "{escalation}", "Escalations the cloud refused (kept in the rejected collection)");
        _meter.CreateObservableCounter("inspection.edge.escalations.failed", () => EscalationsFailed, "{escalation}", "Escalations a call left unanswered (failed, deadline, busy cloud); they stay in the outbox and are sent again");
        _meter.CreateObservableCounter("inspection.edge.errors", ObserveErrors, "{error}", "Errors by kind: capture, detector, storage, outbox-write, outbox-dropped, outbox-evicted");
        if (_outbox is not null)
        {
            _meter.CreateObservableGauge("inspection.edge.outbox.depth", ObserveOutboxDepth, "{entry}", "Entries waiting in the outbox for the cloud");
        }
    }

    /// <summary>Frames read from the source: inspected, skipped or empty.</summary>
    public long FramesRead => Interlocked.Read(ref _framesRead);

    /// <summary>Outbox entries written to escalation calls, each attempt counted.</summary>
    public long EscalationsSent => Interlocked.Read(ref _escalationsSent);

    /// <summary>Outbox entries a call left unanswered (they stay in the outbox and are sent again).</summary>
    public long EscalationsFailed => Interlocked.Read(ref _escalationsFailed);

    /// <summary>Frames inspected (a decision was made and stored).</summary>
    public long Frames => Interlocked.Read(ref _frames);

    public long Pass => Interlocked.Read(ref _pass);

    public long Defect => Interlocked.Read(ref _defect);

    public long Uncertain => Interlocked.Read(ref _uncertain);

    /// <summary>Empty frames from the source, skipped.</summary>
    public long BadFrames => Interlocked.Read(ref _badFrames);

    /// <summary>Items the source could not read (e.g. corrupt images), skipped and recorded.</summary>
    public long CaptureErrors => Interlocked.Read(ref _captureErrors);

    /// <summary>Frames the model failed on, skipped.</summary>
    public long DetectorErrors => Interlocked.Read(ref _detectorErrors);

    /// <summary>Results that could not be written to the database.</summary>
    public long StorageErrors => Interlocked.Read(ref _storageErrors);

    /// <summary>Failed attempts to write an uncertain frame into the outbox.</summary>
    public long OutboxWriteFailures => Interlocked.Read(ref _outboxWriteFailures);

    /// <summary>Uncertain frames held in memory until the outbox accepts them.</summary>
    public long OutboxPendingRetry => Interlocked.Read(ref _outboxPendingRetry);

    /// <summary>Uncertain frames given up after the in-memory retry queue overflowed.</summary>
    public long OutboxDropped => Interlocked.Read(ref _outboxDropped);

    /// <summary>Outbox entries evicted before the cloud stored them, for any reason (quota, age, full disk).</summary>
    public long OutboxEvicted => Interlocked.Read(ref _outboxEvicted);

    /// <summary>Of <see cref="OutboxEvicted"/>, the entries evicted because they were older than <c>Outbox:MaxAgeHours</c>.</summary>
    public long OutboxExpired => Interlocked.Read(ref _outboxExpired);

    /// <summary>Escalated frames the cloud has stored.</summary>
    public long Escalated => Interlocked.Read(ref _escalated);

    /// <summary>Escalated frames the cloud refused (kept in the rejected collection).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Old results deleted by retention.</summary>
    public long ResultsDeleted => Interlocked.Read(ref _resultsDeleted);

    /// <summary>Frames read but not inspected: reduced mode's skipped frames and the frames discarded while paused.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Uncertain frames the safe policy turned into defect for the line.</summary>
    public long SafeRejected => Interlocked.Read(ref _safeRejected);

    /// <summary>Sequence of the last inspected frame.</summary>
    public long LastSequence => Interlocked.Read(ref _lastSequence);

    /// <summary>Where part identity comes from (<c>tracker</c> or <c>trigger</c>), or null while the agent decides frames only.</summary>
    public string? PartSource => Volatile.Read(ref _partSource);

    /// <summary>Parts the edge passed (every counted frame passed).</summary>
    public long PartsPassed => Interlocked.Read(ref _partsPassed);

    /// <summary>Parts the line rejected: a defect in a counted frame, or uncertain under the safe policy.</summary>
    public long PartsRejected => Interlocked.Read(ref _partsRejected);

    /// <summary>Parts the edge could not decide; each is escalated once (the safe policy's rejections included).</summary>
    public long PartsUncertain => Interlocked.Read(ref _partsUncertain);

    /// <summary>Of <see cref="PartsUncertain"/>, those the safe policy rejected.</summary>
    public long PartsSafeRejected => Interlocked.Read(ref _partsSafeRejected);

    /// <summary>Escalated parts the cloud has stored and answered.</summary>
    public long PartsEscalated => Interlocked.Read(ref _partsEscalated);

    /// <summary>
    /// Confidently decided parts (or frames) sent as audits (<c>Parts:AuditShare</c>) that the cloud has stored and
    /// answered; not counted in the escalations.
    /// </summary>
    public long Audits => Interlocked.Read(ref _audits);

    /// <summary>Parts being followed now.</summary>
    public long PartsInView => Interlocked.Read(ref _partsInView);

    /// <summary>Reviewed verdicts recorded that made a part or frame a defect.</summary>
    public long ReviewedDefect => Interlocked.Read(ref _reviewedDefect);

    /// <summary>Reviewed verdicts recorded that made a part or frame pass.</summary>
    public long ReviewedPass => Interlocked.Read(ref _reviewedPass);

    /// <summary>Reviewed verdicts that named a part or frame this device does not hold.</summary>
    public long ReviewsUnknown => Interlocked.Read(ref _reviewsUnknown);

    /// <summary>Payloads on the verdicts topic refused (malformed, unsigned, untrusted key, another device).</summary>
    public long ReviewsRefused => Interlocked.Read(ref _reviewsRefused);

    /// <summary>Id of the last reviewed verdict recorded, or null.</summary>
    public string? LastReviewId => Volatile.Read(ref _lastReviewId);

    /// <summary>A reviewed verdict was recorded on its part or frame.</summary>
    public void ReviewApplied(string id, bool defect)
    {
        Interlocked.Increment(ref defect ? ref _reviewedDefect : ref _reviewedPass);
        Volatile.Write(ref _lastReviewId, id);
    }

    public void ReviewUnknown() => Interlocked.Increment(ref _reviewsUnknown);

    public void ReviewRefused() => Interlocked.Increment(ref _reviewsRefused);

    public void PartsEnabled(string source) => Volatile.Write(ref _partSource, source);

    /// <summary>A part closed with <paramref name="decision"/>; an uncertain part under the safe policy counts as uncertain and rejected.</summary>
    public void PartDecided(Decision decision, bool safeRejected)
    {
        switch (decision)
        {
            case Decision.Pass:
                Interlocked.Increment(ref _partsPassed);
                break;
            case Decision.Defect:
                Interlocked.Increment(ref _partsRejected);
                break;
            default:
                Interlocked.Increment(ref _partsUncertain);
                if (safeRejected)
                {
                    Interlocked.Increment(ref _partsSafeRejected);
                    Interlocked.Increment(ref _partsRejected);
                }

                break;
        }
    }

    public void PartEscalated() => Interlocked.Increment(ref _partsEscalated);

    public void AuditAnswered() => Interlocked.Increment(ref _audits);

    public void SetPartsInView(long count) => Interlocked.Exchange(ref _partsInView, count);

    public void FrameInspected(Decision decision, long sequence)
    {
        Interlocked.Increment(ref _frames);
        switch (decision)
        {
            case Decision.Pass:
                Interlocked.Increment(ref _pass);
                break;
            case Decision.Defect:
                Interlocked.Increment(ref _defect);
                break;
            default:
                Interlocked.Increment(ref _uncertain);
                break;
        }

        Interlocked.Exchange(ref _lastSequence, sequence);
    }

    public void FrameSkipped() => Interlocked.Increment(ref _skipped);

    /// <summary>A frame came from the source (whatever happens to it next).</summary>
    public void FrameRead() => Interlocked.Increment(ref _framesRead);

    /// <summary>
    /// Records how long the deciding model took on a frame and how long the frame took from being read to its decision
    /// being stored (<paramref name="endToEnd"/>).
    /// </summary>
    public void FrameTimed(TimeSpan inference, TimeSpan endToEnd)
    {
        _inferenceDuration.Record(inference.TotalSeconds);
        _frameDuration.Record(endToEnd.TotalSeconds);
    }

    public void EscalationsWritten(int count) => Interlocked.Add(ref _escalationsSent, count);

    public void EscalationsUnanswered(int count) => Interlocked.Add(ref _escalationsFailed, count);

    public void FrameSafeRejected() => Interlocked.Increment(ref _safeRejected);

    public void BadFrame() => Interlocked.Increment(ref _badFrames);

    public void CaptureError() => Interlocked.Increment(ref _captureErrors);

    public void DetectorError() => Interlocked.Increment(ref _detectorErrors);

    public void StorageError() => Interlocked.Increment(ref _storageErrors);

    public void OutboxWriteFailed() => Interlocked.Increment(ref _outboxWriteFailures);

    public void SetOutboxPendingRetry(long count) => Interlocked.Exchange(ref _outboxPendingRetry, count);

    public void OutboxEntryDropped() => Interlocked.Increment(ref _outboxDropped);

    public void OutboxEntriesEvicted(long count, bool expired)
    {
        Interlocked.Add(ref _outboxEvicted, count);
        if (expired)
        {
            Interlocked.Add(ref _outboxExpired, count);
        }
    }

    public void FrameEscalated() => Interlocked.Increment(ref _escalated);

    public void FrameRejected() => Interlocked.Increment(ref _rejected);

    public void ResultsRemoved(long count) => Interlocked.Add(ref _resultsDeleted, count);

    public void Dispose()
    {
        // A meter from the host's factory is the factory's to dispose.
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> ObserveDecisions() =>
    [
        new(Pass, EdgeTelemetry.Outcome("pass")),
        new(Defect, EdgeTelemetry.Outcome("defect")),
        new(Uncertain, EdgeTelemetry.Outcome("uncertain")),
    ];

    private IEnumerable<Measurement<long>> ObservePartDecisions() => PartSource is null
        ? []
        :
        [
            new(PartsPassed, EdgeTelemetry.Outcome("pass")),
            new(PartsRejected, EdgeTelemetry.Outcome("rejected")),
            new(PartsUncertain, EdgeTelemetry.Outcome("uncertain")),
        ];

    private IEnumerable<Measurement<long>> ObserveErrors() =>
    [
        new(CaptureErrors, EdgeTelemetry.Kind("capture")),
        new(DetectorErrors, EdgeTelemetry.Kind("detector")),
        new(StorageErrors, EdgeTelemetry.Kind("storage")),
        new(OutboxWriteFailures, EdgeTelemetry.Kind("outbox-write")),
        new(OutboxDropped, EdgeTelemetry.Kind("outbox-dropped")),
        new(OutboxEvicted, EdgeTelemetry.Kind("outbox-evicted")),
    ];

    // Read from the outbox's own totals, as the reported state's outboxDepth is; a database that cannot be read now
    // reports nothing rather than failing the whole collection.
    private IEnumerable<Measurement<long>> ObserveOutboxDepth()
    {
        long entries;
        try
        {
            entries = _outbox!.Usage.Entries;
        }
        catch (Exception ex) when (ex is LiteException or IOException or ObjectDisposedException)
        {
            return [];
        }

        return [new(entries)];
    }
}
