namespace Inspection.CloudInference.Review;

/// <summary>One waiting item in <c>GET /api/review/queue</c>, in queue order.</summary>
/// <param name="Key">The escalation key, <c>{deviceId}/{sequence}</c>.</param>
/// <param name="DeviceId">The device that escalated it.</param>
/// <param name="Sequence">The key's sequence (the part id for a part).</param>
/// <param name="LineId">The device's line.</param>
/// <param name="IsPart">A part (else one frame).</param>
/// <param name="Frames">Escalated frames.</param>
/// <param name="ReceivedAt">When the cloud stored it.</param>
/// <param name="DecidingScore">The cloud's best confidence on it (see <see cref="Unsureness"/>).</param>
/// <param name="Unsureness">1 in the middle of the cloud band, 0 at its edges.</param>
/// <param name="Classes">Class names the cloud found on it.</param>
/// <param name="EdgeModel">The edge model.</param>
/// <param name="CloudModel">The cloud model.</param>
/// <param name="Lease">Its lease, when someone holds one now.</param>
/// <param name="EdgeAudit">For an audit: the edge's own decision, <c>pass</c> or <c>defect</c>; null otherwise.</param>
public sealed record ReviewQueueItem(
    string Key,
    string DeviceId,
    long Sequence,
    string LineId,
    bool IsPart,
    int Frames,
    DateTimeOffset ReceivedAt,
    double DecidingScore,
    double Unsureness,
    IReadOnlyList<string> Classes,
    ReviewModel EdgeModel,
    ReviewModel CloudModel,
    ReviewLease? Lease,
    string? EdgeAudit);
