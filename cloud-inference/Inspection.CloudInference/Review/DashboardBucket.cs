namespace Inspection.CloudInference.Review;

/// <summary>One hour of one line on the review dashboard. Items count in the hour the cloud received them.</summary>
/// <param name="Start">The hour's start (UTC).</param>
/// <param name="Escalated">Items (parts and frames) the line escalated that reached the cloud in the hour.</param>
/// <param name="CloudPassed">Of those, passed by the cloud.</param>
/// <param name="CloudRejected">Rejected (defect) by the cloud.</param>
/// <param name="ReviewPassed">Left uncertain by the cloud, then rejected as not a defect by a reviewer.</param>
/// <param name="ReviewRejected">Left uncertain by the cloud, then accepted or fixed as a defect by a reviewer.</param>
/// <param name="Uncertain">Left uncertain and not reviewed yet.</param>
/// <param name="Backlog">Items waiting for a review at the end of the hour (received before its end, not reviewed by then).</param>
public sealed record DashboardBucket(
    DateTimeOffset Start,
    int Escalated,
    int CloudPassed,
    int CloudRejected,
    int ReviewPassed,
    int ReviewRejected,
    int Uncertain,
    int Backlog);
