using Inspection.Contracts.Mqtt;
using LiteDB;

namespace Inspection.EdgeAgent.Storage;

/// <summary>
/// Records reviewed verdicts on the parts and frames they name: the final verdict (source <c>review</c>), the reviewer
/// and the time, beside the cloud model's verdict, which stays as it was. Each verdict id is noted in <c>verdicts</c> in
/// the same transaction, so a redelivered verdict changes nothing twice, and the write is made durable before the
/// broker is acknowledged (the handler returns after it).
/// </summary>
public sealed class ReviewVerdictStore
{
    private readonly EdgeDatabase _database;
    private readonly ILiteCollection<ReviewVerdictEntry> _verdicts;

    public ReviewVerdictStore(EdgeDatabase database)
    {
        _database = database;
        _verdicts = database.Database.GetCollection<ReviewVerdictEntry>(EdgeDatabase.Verdicts);
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
            if (_verdicts.FindById(verdict.Id) is not null)
            {
                return ReviewVerdictOutcome.Redelivered;
            }

            var result = verdict.IsPart ? ApplyToPart(verdict, receivedAt) : ApplyToFrame(verdict, receivedAt);
            _verdicts.Insert(new ReviewVerdictEntry
            {
                Id = verdict.Id,
                Sequence = verdict.Sequence,
                IsPart = verdict.IsPart,
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

        return outcome;
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
