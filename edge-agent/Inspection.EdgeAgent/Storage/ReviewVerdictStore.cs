using Inspection.Contracts.Mqtt;
using LiteDB;

namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// Records reviewed verdicts on the parts and frames they name: the final verdict (source <c>review</c>), the reviewer
/// and the time, beside the cloud model's verdict, which stays as it was. Each verdict id is noted in <c>verdicts</c> in
/// the same transaction, so a redelivered verdict changes nothing twice, and the write is made durable before the
/// broker is acknowledged (the handler returns after it). From the numbers of the verdicts it holds it keeps the
/// watermark the device reports (<see cref="ConfirmedThrough"/>), rebuilt from the file at start.
/// </summary>
public sealed class ReviewVerdictStore
{
    private readonly EdgeDatabase _database;
    private readonly ILiteCollection<ReviewVerdictEntry> _verdicts;
    private readonly Lock _gate = new();

    // Numbers held above the watermark, waiting for the gap below them to close.
    private readonly SortedSet<long> _above = [];
    private long _confirmedThrough;

    public ReviewVerdictStore(EdgeDatabase database)
    {
        _database = database;
        _verdicts = database.Database.GetCollection<ReviewVerdictEntry>(EdgeDatabase.Verdicts);
        foreach (var number in _verdicts.Query().Where(v => v.Number > 0).Select(v => v.Number).ToEnumerable())
        {
            Hold(number);
        }
    }

    /// <summary>
    /// The highest verdict number N such that this device holds every verdict numbered 1..N (recorded, superseded or
    /// naming a part it does not hold: each one arrived); 0 when it holds none or verdict 1 is missing.
    /// </summary>
    public long ConfirmedThrough
    {
        get
        {
            lock (_gate)
            {
                return _confirmedThrough;
            }
        }
    }

    /// <summary>The entry of verdict <paramref name="id"/>, or null when it never arrived.</summary>
    public ReviewVerdictEntry? Find(string id) => _verdicts.FindById(id);

    public int Count() => _verdicts.Count();

    /// <summary>Records <paramref name="verdict"/> (already verified) once; throws <see cref="LiteException"/> or <see cref="IOException"/> when it cannot be stored.</summary>
    public ReviewVerdictOutcome Apply(ReviewVerdict verdict, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var outcome = _database.InTransaction(() =>
        {
            if (_verdicts.FindById(verdict.Id) is { } known)
            {
                // Recorded before the cloud numbered its verdicts: the number it sends now still counts towards the watermark.
                if (known.Number == 0 && verdict.Number > 0)
                {
                    known.Number = verdict.Number;
                    _verdicts.Update(known);
                }

                return ReviewVerdictOutcome.Redelivered;
            }

            var result = verdict.IsPart ? ApplyToPart(verdict, receivedAt) : ApplyToFrame(verdict, receivedAt);
            _verdicts.Insert(new ReviewVerdictEntry
            {
                Id = verdict.Id,
                Sequence = verdict.Sequence,
                IsPart = verdict.IsPart,
                Number = verdict.Number,
                Verdict = verdict.Verdict,
                Outcome = result.ToString(),
                ReceivedAt = receivedAt.UtcDateTime,
            });
            return result;
        });
        if (outcome != ReviewVerdictOutcome.Redelivered)
        {
            _database.MakeDurable();
        }

        // Only once it is on disk: the watermark promises the cloud it may stop sending.
        if (verdict.Number > 0)
        {
            Hold(verdict.Number);
        }

        return outcome;
    }

    private void Hold(long number)
    {
        lock (_gate)
        {
            if (number <= _confirmedThrough)
            {
                return;
            }

            _above.Add(number);
            while (_above.Remove(_confirmedThrough + 1))
            {
                _confirmedThrough++;
            }
        }
    }

    private ReviewVerdictOutcome ApplyToPart(ReviewVerdict verdict, DateTimeOffset receivedAt)
    {
        var parts = _database.PartCollection;
        if (parts.FindById(verdict.Sequence) is not { } part)
        {
            return ReviewVerdictOutcome.Unknown;
        }

        if (IsLater(part.Review, verdict))
        {
            return ReviewVerdictOutcome.Superseded;
        }

        part.Review = ToRecord(verdict, receivedAt);
        part.FinalVerdict = verdict.Verdict;
        part.FinalVerdictSource = ReviewVerdicts.ReviewSource;
        parts.Update(part);
        return ReviewVerdictOutcome.Applied;
    }

    private ReviewVerdictOutcome ApplyToFrame(ReviewVerdict verdict, DateTimeOffset receivedAt)
    {
        var results = _database.ResultCollection;
        if (results.FindById(verdict.Sequence) is not { } result)
        {
            return ReviewVerdictOutcome.Unknown;
        }

        if (IsLater(result.Review, verdict))
        {
            return ReviewVerdictOutcome.Superseded;
        }

        result.Review = ToRecord(verdict, receivedAt);
        result.FinalVerdict = verdict.Verdict;
        result.FinalVerdictSource = ReviewVerdicts.ReviewSource;
        results.Update(result);
        return ReviewVerdictOutcome.Applied;
    }

    // A second review of the same part (a correction) may overtake the first on the way; the later review wins.
    private static bool IsLater(ReviewRecord? recorded, ReviewVerdict verdict) =>
        recorded is not null && recorded.ReviewedAt > verdict.ReviewedAt.UtcDateTime;

    private static ReviewRecord ToRecord(ReviewVerdict verdict, DateTimeOffset receivedAt) => new()
    {
        Id = verdict.Id,
        Verdict = verdict.Verdict,
        Action = verdict.Action,
        Reviewer = verdict.Reviewer,
        ReviewedAt = verdict.ReviewedAt.UtcDateTime,
        ReceivedAt = receivedAt.UtcDateTime,
        Tags = verdict.Tags is { Count: > 0 } tags ? [.. tags] : [],
    };
}
