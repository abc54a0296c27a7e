using System.Globalization;
using Inspection.CloudInference.Escalations;
using Inspection.Contracts.Api;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Review;

/// <summary>
/// The review queue, its leases, the reviews and their audit trail, in the cloud database (<see cref="IReviewTable"/>:
/// the LiteDB file, or PostgreSQL shared by every replica). The queue is not stored: it is every escalation the cloud
/// left uncertain without a completed review, so an item can never be in the queue and reviewed at once.
/// </summary>
/// <remarks>
/// Every change is read, decide, compare-and-set: a write that loses to another (an operator on this or another
/// replica) reads the review again and decides again, so a lease is never given to two and a completed review is never
/// overwritten. A lease's expiry is judged by this replica's clock, as the holder's was: replicas keep time in step.
/// </remarks>
public sealed class ReviewStore
{
    private readonly IReviewTable _reviews;
    private readonly IEscalationStore _escalations;
    private readonly CloudDetector _detector;
    private readonly ReviewOptions _options;
    private readonly DecisionOptions _decision;
    private readonly ReviewSelection _selection;
    private readonly TimeProvider _time;

    public ReviewStore(
        IReviewTable reviews,
        IEscalationStore escalations,
        CloudDetector detector,
        IOptions<ReviewOptions> options,
        IOptions<DecisionOptions> decision,
        ReviewSelection selection,
        TimeProvider time)
    {
        _selection = selection;
        _reviews = reviews;
        _escalations = escalations;
        _detector = detector;
        _options = options.Value;
        _decision = decision.Value;
        _time = time;
    }

    /// <summary>The reason tags a reviewer may give.</summary>
    public IReadOnlyList<string> ReasonTags => _options.EffectiveReasonTags;

    /// <summary>The cloud model's classes by id, as a reviewer's box names them.</summary>
    public IReadOnlyList<string> ClassNames => _detector.Model?.ClassNames ?? [];

    /// <summary>The waiting items that match, in queue order, with counts.</summary>
    public ReviewQueue Queue(ReviewFilter filter, int limit)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var waiting = Waiting(filter);
        return new ReviewQueue(
            waiting.Count,
            waiting.Count(w => w.Review?.IsLeasedAt(now) == true),
            [.. waiting.Take(limit).Select(w => ToQueueItem(w, now))]);
    }

    /// <summary>Takes a lease on the first waiting item that matches and that no one else holds; null when there is none.</summary>
    public ReviewItem? Next(ReviewFilter filter, string actor)
    {
        foreach (var waiting in Waiting(filter))
        {
            // Claim refuses an item someone else leased or reviewed meanwhile, here or on another replica: try the next.
            if (Claim(waiting.Escalation, waiting.Review, actor, out _) is { } leased)
            {
                return ToItem(waiting.Escalation, leased);
            }
        }

        return null;
    }

    /// <summary>An item as it stands (no lease taken): waiting, leased or reviewed.</summary>
    public ReviewOutcome<ReviewItem> Item(string key)
    {
        if (FindItem(key) is not { } escalation)
        {
            return ReviewOutcome<ReviewItem>.NotFound(NotInReview(key));
        }

        return ReviewOutcome<ReviewItem>.Done(ToItem(escalation, _reviews.Find(key)));
    }

    /// <summary>Takes the item's lease for <paramref name="actor"/>, or renews it; refused while someone else holds it or once reviewed.</summary>
    public ReviewOutcome<ReviewItem> TakeLease(string key, string actor)
    {
        if (FindItem(key) is not { } escalation)
        {
            return ReviewOutcome<ReviewItem>.NotFound(NotInReview(key));
        }

        return Claim(escalation, _reviews.Find(key), actor, out var refusal) is { } leased
            ? ReviewOutcome<ReviewItem>.Done(ToItem(escalation, leased))
            : ReviewOutcome<ReviewItem>.Conflict(refusal!);
    }

    /// <summary>
    /// Gives the lease back; Done(false) when <paramref name="actor"/> held none, refused when someone else holds it.
    /// With <paramref name="leasedUntil"/>, only the lease that runs until then: a page that is being left gives back
    /// its own lease, never the newer one the same account took since (a reload, a second tab) — that DELETE may
    /// arrive after the new page's lease.
    /// </summary>
    public ReviewOutcome<bool> ReleaseLease(string key, string actor, DateTimeOffset? leasedUntil = null)
    {
        if (FindItem(key) is null)
        {
            return ReviewOutcome<bool>.NotFound(NotInReview(key));
        }

        while (true)
        {
            var review = _reviews.Find(key);
            var now = _time.GetUtcNow();
            if (review is null || !review.IsLeasedAt(now.UtcTicks))
            {
                return ReviewOutcome<bool>.Done(false);
            }

            if (review.LeaseHolder != actor)
            {
                return ReviewOutcome<bool>.Conflict(HeldBy(review));
            }

            if (leasedUntil is { } until && until.UtcTicks != review.LeaseExpiresTicks)
            {
                return ReviewOutcome<bool>.Done(false);
            }

            var expected = review.Version;
            review.LeaseHolder = string.Empty;
            review.LeaseExpiresTicks = 0;
            if (_reviews.TryWrite(review, expected, new StoredAuditEntry { Key = key, At = now, Actor = actor, Kind = ReviewActions.LeaseReleased }))
            {
                return ReviewOutcome<bool>.Done(true);
            }
        }
    }

    /// <summary>
    /// Completes the review with <paramref name="action"/>: refused when someone else holds the lease, when it is
    /// reviewed already, and for bad input (an unknown tag, a box outside its frame, a fix without boxes).
    /// </summary>
    public ReviewOutcome<ReviewItem> Act(string key, string actor, string action, ReviewActionRequest? request)
    {
        if (!ReviewActions.IsAction(action))
        {
            return ReviewOutcome<ReviewItem>.Invalid($"'{action}' is not a review action: use accept, fix or reject");
        }

        if (FindItem(key) is not { } escalation)
        {
            return ReviewOutcome<ReviewItem>.NotFound(NotInReview(key));
        }

        while (true)
        {
            var review = _reviews.Find(key);
            if (Refusal(review, actor) is { } refusal)
            {
                return ReviewOutcome<ReviewItem>.Conflict(refusal);
            }

            if (Tags(request?.Tags, out var tags) is { } tagError)
            {
                return ReviewOutcome<ReviewItem>.Invalid(tagError);
            }

            var judged = ReviewFrame.Of(escalation).Where(f => f.Judged).ToList();
            List<StoredReviewFrame> final;
            switch (action)
            {
                case ReviewActions.Accept:
                    final = [.. judged.Select(f => new StoredReviewFrame { Sequence = f.Sequence, Boxes = [.. f.CloudDetections] })];
                    break;
                case ReviewActions.Reject:
                    final = [.. judged.Select(f => new StoredReviewFrame { Sequence = f.Sequence })];
                    break;
                default:
                    if (FixedFrames(judged, request?.Frames, out final) is { } fixError)
                    {
                        return ReviewOutcome<ReviewItem>.Invalid(fixError);
                    }

                    break;
            }

            var now = _time.GetUtcNow();
            review ??= New(escalation);
            var expected = review.Version;
            review.LeaseHolderAtAction = review.IsLeasedAt(now.UtcTicks) ? review.LeaseHolder : string.Empty;
            review.Completed = true;
            review.Action = action;
            review.Reviewer = actor;
            review.ReviewedAt = now;
            review.ReviewedTicks = now.UtcTicks;
            review.Tags = tags;
            review.Frames = final;
            review.LeaseHolder = string.Empty;
            review.LeaseExpiresTicks = 0;
            var entry = new StoredAuditEntry
            {
                Key = key,
                At = now,
                Actor = actor,
                Kind = action,
                Tags = tags,
                Detail = $"{final.Sum(f => f.Boxes.Count)} boxes on {final.Count} frames",
            };
            if (_reviews.TryWrite(review, expected, entry))
            {
                return ReviewOutcome<ReviewItem>.Done(ToItem(escalation, review));
            }
        }
    }

    /// <summary>Re-opens a completed review (an engineer's call): the item waits in the queue again; the audit keeps what was decided.</summary>
    public ReviewOutcome<ReviewItem> Reopen(string key, string actor)
    {
        if (FindItem(key) is not { } escalation)
        {
            return ReviewOutcome<ReviewItem>.NotFound(NotInReview(key));
        }

        while (true)
        {
            var review = _reviews.Find(key);
            if (review is not { Completed: true })
            {
                return ReviewOutcome<ReviewItem>.Conflict($"{key} is not reviewed yet: there is nothing to re-open");
            }

            var expected = review.Version;
            var detail = $"was {review.Action} by {review.Reviewer} at {review.ReviewedAt:O}";
            review.Completed = false;
            review.Action = string.Empty;
            review.Reviewer = string.Empty;
            review.ReviewedAt = null;
            review.ReviewedTicks = 0;
            review.Tags = [];
            review.Frames = [];
            review.LeaseHolderAtAction = string.Empty;
            review.Reopened++;
            var entry = new StoredAuditEntry { Key = key, At = _time.GetUtcNow(), Actor = actor, Kind = ReviewActions.Reopen, Detail = detail };
            if (_reviews.TryWrite(review, expected, entry))
            {
                return ReviewOutcome<ReviewItem>.Done(ToItem(escalation, review));
            }
        }
    }

    /// <summary>The item's audit trail, oldest first.</summary>
    public IReadOnlyList<StoredAuditEntry> Audit(string key) => _reviews.Audit(key);

    /// <summary>Per line: how many items wait, and since when the oldest.</summary>
    public IReadOnlyList<LineBacklog> Backlog()
    {
        var now = _time.GetUtcNow();
        return [.. Waiting(new ReviewFilter())
            .GroupBy(w => w.Escalation.LineId)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var oldest = g.Min(w => w.Escalation.ReceivedAt);
                return new LineBacklog(g.Key, g.Count(), oldest, Math.Max(0, (long)(now - oldest).TotalSeconds));
            })];
    }

    /// <summary>Completed reviews of matching items, oldest review first: what the dataset export writes.</summary>
    public IReadOnlyList<(StoredEscalation Escalation, StoredReview Review)> Completed(ReviewFilter filter) =>
        [.. _reviews.Completed().OrderBy(r => r.ReviewedTicks).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => (Escalation: _escalations.Find(r.Key), Review: r))
            .Where(x => x.Escalation is not null && filter.Matches(x.Escalation))
            .Select(x => (x.Escalation!, x.Review))];

    /// <summary>Every review, completed or not (the dashboard's input).</summary>
    public IReadOnlyDictionary<string, StoredReview> AllReviews() =>
        _reviews.All().ToDictionary(r => r.Key, StringComparer.Ordinal);

    private List<WaitingItem> Waiting(ReviewFilter filter)
    {
        var completed = _reviews.Completed().Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var open = _reviews.Open().ToDictionary(r => r.Key, StringComparer.Ordinal);
        return [.. _selection.Candidates()
            .Where(e => !completed.Contains(e.Key) && filter.Matches(e))
            .Select(e =>
            {
                var score = Unsureness.DecidingScore(e);
                return new WaitingItem(e, open.GetValueOrDefault(e.Key), score, Unsureness.Of(score, _decision.Band));
            })
            .OrderByDescending(w => w.Unsureness)
            .ThenBy(w => w.Escalation.ReceivedTicks)
            .ThenBy(w => w.Escalation.Key, StringComparer.Ordinal)];
    }

    private StoredEscalation? FindItem(string key) =>
        _escalations.Find(key) is { } escalation && _selection.Includes(escalation) ? escalation : null;

    private static string NotInReview(string key) =>
        $"no review item {key}: only escalations the cloud left uncertain (and those of lines in Cloud:Review:AllOnLines, or sampled by Cloud:Review:SampleShare) are reviewed, and {key} is not one of them";

    // Why the actor may not touch the item now, or null when it may.
    private string? Refusal(StoredReview? review, string actor)
    {
        if (review is null)
        {
            return null;
        }

        if (review.Completed)
        {
            return $"{review.Key} is reviewed already ({review.Action} by {review.Reviewer} at {review.ReviewedAt:O}); an engineer can re-open it";
        }

        return review.IsLeasedAt(_time.GetUtcNow().UtcTicks) && review.LeaseHolder != actor ? HeldBy(review) : null;
    }

    private static string HeldBy(StoredReview review) =>
        $"{review.LeaseHolder} is reviewing {review.Key} (lease until {new DateTimeOffset(review.LeaseExpiresTicks, TimeSpan.Zero):O})";

    // Takes or renews the lease for actor, compare-and-set: a write that lost to another reads the review again, and the
    // item is then refused (leased by the other, or reviewed) or taken on the fresh read. Null, with why, when refused.
    private StoredReview? Claim(StoredEscalation escalation, StoredReview? review, string actor, out string? refusal)
    {
        while (true)
        {
            if (Refusal(review, actor) is { } refused)
            {
                refusal = refused;
                return null;
            }

            var now = _time.GetUtcNow();
            review ??= New(escalation);
            var expected = review.Version;
            var renewal = review.IsLeasedAt(now.UtcTicks) && review.LeaseHolder == actor;
            var takenOver = !renewal && review.LeaseHolder.Length > 0 && review.LeaseHolder != actor
                ? $"; {review.LeaseHolder}'s lease had expired at {new DateTimeOffset(review.LeaseExpiresTicks, TimeSpan.Zero):O}"
                : string.Empty;
            var expires = now + _options.Lease;
            review.LeaseHolder = actor;
            review.LeaseExpiresTicks = expires.UtcTicks;
            // A renewal keeps an open item reserved; only a lease newly taken is worth a line in the audit.
            var entry = renewal ? null : new StoredAuditEntry
            {
                Key = review.Key,
                At = now,
                Actor = actor,
                Kind = ReviewActions.LeaseTaken,
                Detail = $"until {expires:O}{takenOver}",
            };
            if (_reviews.TryWrite(review, expected, entry))
            {
                refusal = null;
                return review;
            }

            review = _reviews.Find(escalation.Key);
        }
    }

    private static StoredReview New(StoredEscalation escalation) =>
        new() { Key = escalation.Key, DeviceId = escalation.DeviceId, LineId = escalation.LineId };

    private string? Tags(IReadOnlyList<string>? requested, out List<string> tags)
    {
        tags = [];
        foreach (var tag in requested ?? [])
        {
            if (!ReasonTags.Contains(tag, StringComparer.Ordinal))
            {
                return $"'{tag}' is not a reason tag; use one of: {string.Join(", ", ReasonTags)} (Cloud:Review:ReasonTags)";
            }

            if (!tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }

        return null;
    }

    private string? FixedFrames(IReadOnlyList<ReviewFrame> judged, IReadOnlyList<ReviewFrameBoxes>? requested, out List<StoredReviewFrame> final)
    {
        final = [];
        if (requested is null || requested.Count == 0)
        {
            return "a fix needs the reviewer's boxes per frame (frames: [{sequence, boxes: [{classId, x1, y1, x2, y2}]}]); with no boxes at all it is a reject";
        }

        var names = ClassNames;
        var given = new Dictionary<long, List<StoredDetection>>();
        foreach (var frame in requested)
        {
            if (judged.FirstOrDefault(f => f.Sequence == frame.Sequence) is not { } target)
            {
                return $"frame {frame.Sequence} is not a judged frame of this item (its frames: {string.Join(", ", judged.Select(f => f.Sequence))})";
            }

            if (given.ContainsKey(frame.Sequence))
            {
                return $"frame {frame.Sequence} is given twice";
            }

            var boxes = new List<StoredDetection>();
            foreach (var box in frame.Boxes ?? [])
            {
                if (BoxError(box, target, names) is { } error)
                {
                    return $"frame {frame.Sequence}: {error}";
                }

                boxes.Add(new StoredDetection
                {
                    ClassId = box.ClassId,
                    ClassName = box.ClassId < names.Count ? names[box.ClassId] : box.ClassId.ToString(CultureInfo.InvariantCulture),
                    Confidence = 1,
                    X1 = box.X1,
                    Y1 = box.Y1,
                    X2 = box.X2,
                    Y2 = box.Y2,
                });
            }

            given[frame.Sequence] = boxes;
        }

        final = [.. judged.Select(f => new StoredReviewFrame
        {
            Sequence = f.Sequence,
            Boxes = given.TryGetValue(f.Sequence, out var boxes) ? boxes : [.. f.CloudDetections],
        })];
        return final.Sum(f => f.Boxes.Count) == 0
            ? "a fix with no boxes says there is no defect: reject the item instead"
            : null;
    }

    private static string? BoxError(ReviewBox box, ReviewFrame frame, IReadOnlyList<string> names)
    {
        if (box.ClassId < 0 || (names.Count > 0 && box.ClassId >= names.Count))
        {
            return $"class {box.ClassId} is not one of the model's classes (0-{names.Count - 1}: {string.Join(", ", names)})";
        }

        double[] values = [box.X1, box.Y1, box.X2, box.Y2];
        if (values.Any(v => !double.IsFinite(v)))
        {
            return "a box coordinate is not a number";
        }

        if (box.X2 <= box.X1 || box.Y2 <= box.Y1)
        {
            return $"box ({box.X1}, {box.Y1})-({box.X2}, {box.Y2}) has no area: x2 must be right of x1 and y2 below y1";
        }

        return box.X1 < 0 || box.Y1 < 0 || box.X2 > frame.Width || box.Y2 > frame.Height
            ? $"box ({box.X1}, {box.Y1})-({box.X2}, {box.Y2}) lies outside the {frame.Width}x{frame.Height} frame"
            : null;
    }

    private ReviewQueueItem ToQueueItem(WaitingItem w, long now)
    {
        var e = w.Escalation;
        return new ReviewQueueItem(
            e.Key, e.DeviceId, e.Sequence, e.LineId, e.Part is not null, ReviewFrame.Of(e).Count, e.ReceivedAt, w.Score, w.Unsureness,
            [.. ReviewFrame.Of(e).SelectMany(f => f.CloudDetections).Select(d => d.ClassName).Distinct(StringComparer.Ordinal)],
            EdgeModel(e), CloudModel(e), LeaseOf(w.Review, now), e.EdgeAudit);
    }

    private ReviewItem ToItem(StoredEscalation e, StoredReview? review)
    {
        var score = Unsureness.DecidingScore(e);
        return new ReviewItem(
            e.Key, e.DeviceId, e.Sequence, e.LineId, e.Part is not null, e.ReceivedAt, e.CapturedAt, e.Reason, e.Verdict, score,
            Unsureness.Of(score, _decision.Band), EdgeModel(e), CloudModel(e), ClassNames, ReviewFrame.Of(e),
            LeaseOf(review, _time.GetUtcNow().UtcTicks), ReviewResult.From(review), review?.Reopened ?? 0, e.EdgeAudit);
    }

    private static ReviewModel EdgeModel(StoredEscalation e) => new(e.EdgeModelName, e.EdgeModelVersion, e.EdgeModelRelease);

    private static ReviewModel CloudModel(StoredEscalation e) => new(e.CloudModelName, e.CloudModelVersion, 0);

    private static ReviewLease? LeaseOf(StoredReview? review, long now) =>
        review is not null && review.IsLeasedAt(now)
            ? new ReviewLease(review.LeaseHolder, new DateTimeOffset(review.LeaseExpiresTicks, TimeSpan.Zero))
            : null;

    private sealed record WaitingItem(StoredEscalation Escalation, StoredReview? Review, double Score, double Unsureness);
}
