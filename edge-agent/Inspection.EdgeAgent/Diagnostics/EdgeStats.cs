using Inspection.Detection;

namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>
/// Counters of the running agent, since it started. Written by the pipeline and the forwarder, read by
/// reporting; every member is thread-safe.
/// </summary>
public sealed class EdgeStats
{
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
}
