using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Fleet;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Per line and hour: what the cloud and the reviewers settled, and the review backlog. The cloud sees only what was
/// escalated, so an hourly escalation rate cannot be computed here: the devices report their frame counters as they
/// stand (since they started), and the dashboard shows that rate, now, beside the hours.
/// </summary>
public sealed class ReviewDashboard
{
    /// <summary>The longest range one request covers (31 days of hours).</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    private const string RateNote =
        "The cloud stores only what the devices escalate, not every part they inspect: the escalation rate per hour "
        + "cannot be computed from what it keeps. Shown instead: escalated frames / inspected frames as the line's devices report them now (since each started).";

    private readonly IEscalationStore _escalations;
    private readonly ReviewSelection _selection;
    private readonly ReviewStore _reviews;
    private readonly FleetRegistry _fleet;
    private readonly TimeProvider _time;

    public ReviewDashboard(IEscalationStore escalations, ReviewStore reviews, ReviewSelection selection, FleetRegistry fleet, TimeProvider time)
    {
        _selection = selection;
        _escalations = escalations;
        _reviews = reviews;
        _fleet = fleet;
        _time = time;
    }

    /// <summary>Hourly buckets over [from, to) (default: the last 24 hours up to the end of this hour), optionally one line.</summary>
    public ReviewOutcome<DashboardView> Build(DateTimeOffset? from, DateTimeOffset? to, string? line)
    {
        var end = to is { } given ? Hour(given, roundUp: true) : Hour(_time.GetUtcNow(), roundUp: false).AddHours(1);
        var start = Hour(from ?? end.AddHours(-24), roundUp: false);
        if (end <= start)
        {
            return ReviewOutcome<DashboardView>.Invalid($"to ({end:O}) must be after from ({start:O})");
        }

        if (end - start > MaxRange)
        {
            return ReviewOutcome<DashboardView>.Invalid($"the range from {start:O} to {end:O} is longer than {MaxRange.TotalDays} days");
        }

        var reviews = _reviews.AllReviews();
        var received = _escalations.FindReceived(start, end).Where(e => line is null || e.LineId == line).ToList();
        var uncertain = _selection.Candidates().Where(e => line is null || e.LineId == line).ToList();
        var hours = (int)(end - start).TotalHours;
        var lines = received.Select(e => e.LineId).Concat(uncertain.Select(e => e.LineId)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var rates = Rates();

        var result = new List<DashboardLine>();
        foreach (var lineId in lines)
        {
            var buckets = new List<DashboardBucket>(hours);
            for (var h = 0; h < hours; h++)
            {
                var bucketStart = start.AddHours(h);
                long from0 = bucketStart.UtcTicks, to0 = bucketStart.AddHours(1).UtcTicks;
                var inHour = received.Where(e => e.LineId == lineId && e.ReceivedTicks >= from0 && e.ReceivedTicks < to0).ToList();
                int reviewPassed = 0, reviewRejected = 0, waiting = 0;
                foreach (var e in inHour.Where(_selection.Includes))
                {
                    if (reviews.GetValueOrDefault(e.Key) is not { Completed: true } r)
                    {
                        waiting++;
                    }
                    else if (r.Action == ReviewActions.Reject)
                    {
                        reviewPassed++;
                    }
                    else
                    {
                        reviewRejected++;
                    }
                }

                var backlog = uncertain.Count(e => e.LineId == lineId && e.ReceivedTicks < to0 && !ReviewedBefore(reviews, e.Key, to0));
                buckets.Add(new DashboardBucket(
                    bucketStart,
                    inHour.Count,
                    inHour.Count(e => e.Verdict == Verdicts.Pass),
                    inHour.Count(e => e.Verdict == Verdicts.Defect),
                    reviewPassed,
                    reviewRejected,
                    waiting,
                    backlog));
            }

            result.Add(rates.TryGetValue(lineId, out var rate)
                ? new DashboardLine(lineId, buckets, rate.Frames, rate.Escalated, rate.Frames > 0 ? (double)rate.Escalated / rate.Frames : null)
                : new DashboardLine(lineId, buckets, null, null, null));
        }

        return ReviewOutcome<DashboardView>.Done(new DashboardView(start, end, result, RateNote));
    }

    private Dictionary<string, (long Frames, long Escalated)> Rates()
    {
        var rates = new Dictionary<string, (long Frames, long Escalated)>(StringComparer.Ordinal);
        foreach (var device in _fleet.Snapshot().Devices)
        {
            if (device.Reported is { } reported)
            {
                var (frames, escalated) = rates.GetValueOrDefault(reported.LineId);
                rates[reported.LineId] = (frames + reported.Stats.Frames, escalated + reported.Stats.Escalated);
            }
        }

        return rates;
    }

    // A review re-opened since loses its first completion here: the dashboard counts it waiting from then on.
    private static bool ReviewedBefore(IReadOnlyDictionary<string, StoredReview> reviews, string key, long ticks) =>
        reviews.GetValueOrDefault(key) is { Completed: true } review && review.ReviewedTicks < ticks;

    private static DateTimeOffset Hour(DateTimeOffset time, bool roundUp)
    {
        var utc = time.ToUniversalTime();
        var hour = new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
        return roundUp && hour < utc ? hour.AddHours(1) : hour;
    }
}
