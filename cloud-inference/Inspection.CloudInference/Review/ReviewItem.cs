namespace Inspection.CloudInference.Review;

/// <summary>One item as the workspace shows it (<c>GET /api/review/items/{deviceId}/{sequence}</c>, <c>POST /api/review/next</c>).</summary>
/// <param name="Key">The escalation key, <c>{deviceId}/{sequence}</c>.</param>
/// <param name="DeviceId">The device that escalated it.</param>
/// <param name="Sequence">The key's sequence (the part id for a part).</param>
/// <param name="LineId">The device's line.</param>
/// <param name="IsPart">A part (else one frame).</param>
/// <param name="ReceivedAt">When the cloud stored it.</param>
/// <param name="CapturedAt">When the edge captured its (first) frame.</param>
/// <param name="Reason">Why the edge escalated it.</param>
/// <param name="CloudVerdict">The cloud's verdict: <c>uncertain</c>, or <c>pass</c>/<c>defect</c> for an item of a line reviewed whole or sampled (Cloud:Review:AllOnLines, SampleShare).</param>
/// <param name="DecidingScore">The cloud's best confidence on it.</param>
/// <param name="Unsureness">1 in the middle of the cloud band, 0 at its edges.</param>
/// <param name="EdgeModel">The model whose boxes are the edge's.</param>
/// <param name="CloudModel">The model whose boxes are the cloud's.</param>
/// <param name="ClassNames">The cloud model's classes by id: what a reviewer's box may be.</param>
/// <param name="Frames">Every frame with its size, part box, edge and cloud boxes.</param>
/// <param name="Lease">Its lease, when someone holds one now.</param>
/// <param name="Review">The completed review; null while it waits.</param>
/// <param name="Reopened">How often an engineer re-opened it.</param>
/// <param name="EdgeAudit">For an audit (the edge decided it and sent it only to be checked): the edge's decision, <c>pass</c> or <c>defect</c>; null otherwise.</param>
public sealed record ReviewItem(
    string Key,
    string DeviceId,
    long Sequence,
    string LineId,
    bool IsPart,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? CapturedAt,
    string Reason,
    string CloudVerdict,
    double DecidingScore,
    double Unsureness,
    ReviewModel EdgeModel,
    ReviewModel CloudModel,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<ReviewFrame> Frames,
    ReviewLease? Lease,
    ReviewResult? Review,
    int Reopened,
    string? EdgeAudit);
