namespace Inspection.CloudInference.Review;

/// <summary>
/// The final verdict an operator gave an escalated part (or frame), as it leaves the review workspace for the line.
/// </summary>
/// <param name="DeviceId">The device that escalated it.</param>
/// <param name="LineId">The line the device inspects.</param>
/// <param name="EscalationKey">The escalation's idempotency key (<c>{deviceId}/{sequence}</c>).</param>
/// <param name="Sequence">The key's sequence: the part id for a part, the frame's sequence for a frame escalation.</param>
/// <param name="IsPart">Whether the escalation carried a part (else one frame).</param>
/// <param name="Verdict"><c>defect</c> (accepted or fixed) or <c>pass</c> (rejected as not a defect).</param>
/// <param name="Action"><c>accept</c>, <c>fix</c> or <c>reject</c>.</param>
/// <param name="Reviewer">The account that reviewed it.</param>
/// <param name="ReviewedAt">When the review was completed.</param>
/// <param name="Tags">Optional reason tags the reviewer chose.</param>
public sealed record ReviewedPart(
    string DeviceId,
    string LineId,
    string EscalationKey,
    long Sequence,
    bool IsPart,
    string Verdict,
    string Action,
    string Reviewer,
    DateTimeOffset ReviewedAt,
    IReadOnlyList<string> Tags);
