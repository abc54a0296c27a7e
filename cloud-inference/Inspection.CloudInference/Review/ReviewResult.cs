using Inspection.CloudInference.Escalations;

namespace Inspection.CloudInference.Review;

/// <summary>A completed review as the API shows it.</summary>
/// <param name="Action"><c>accept</c>, <c>fix</c> or <c>reject</c>.</param>
/// <param name="Verdict"><c>defect</c> (accept, fix) or <c>pass</c> (reject).</param>
/// <param name="Reviewer">The account that reviewed it.</param>
/// <param name="ReviewedAt">When.</param>
/// <param name="Tags">The reason tags given.</param>
/// <param name="Frames">The final boxes per frame.</param>
/// <param name="LeaseHolder">Who held the lease when the action was taken (empty: the item was free).</param>
public sealed record ReviewResult(
    string Action,
    string Verdict,
    string Reviewer,
    DateTimeOffset? ReviewedAt,
    IReadOnlyList<string> Tags,
    IReadOnlyList<StoredReviewFrame> Frames,
    string LeaseHolder)
{
    public static string VerdictOf(string action) => action == ReviewActions.Reject ? Verdicts.Pass : Verdicts.Defect;

    public static ReviewResult? From(StoredReview? review) => review is { Completed: true }
        ? new ReviewResult(review.Action, VerdictOf(review.Action), review.Reviewer, review.ReviewedAt, review.Tags, review.Frames, review.LeaseHolderAtAction)
        : null;
}
