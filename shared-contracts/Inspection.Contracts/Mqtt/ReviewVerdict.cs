namespace Inspection.Contracts.Mqtt;

/// <summary>
/// An operator's final verdict on a part (or frame) a device escalated, sent back to that device on
/// <c>…/{deviceId}/verdicts</c> inside a <see cref="SignedReviewVerdict"/>. The device records it beside the cloud model's
/// verdict (which it keeps) and counts it in <see cref="ReviewStats"/>.
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="Id">
/// Unique id of this verdict (1-64 letters, digits, '-', '_' or '.'): a redelivered verdict carries the same id, so the
/// device applies it once.
/// </param>
/// <param name="DeviceId">The device that escalated it; signed with the rest, so another device refuses it.</param>
/// <param name="EscalationKey">The escalation's idempotency key, <c>{deviceId}/{sequence}</c>.</param>
/// <param name="Sequence">The part id for a part, the frame's sequence for a frame escalation.</param>
/// <param name="IsPart">Whether the escalation carried a part (else one frame).</param>
/// <param name="Verdict">The final verdict: <c>defect</c> or <c>pass</c> (<see cref="ReviewVerdicts"/>).</param>
/// <param name="Action">What the reviewer did: <c>accept</c>, <c>fix</c> (both → defect) or <c>reject</c> (→ pass).</param>
/// <param name="Reviewer">The account that reviewed it.</param>
/// <param name="ReviewedAt">When the review was completed.</param>
/// <param name="Tags">Reason tags the reviewer chose; null or empty: none.</param>
/// <param name="Number">
/// This verdict's place in its device's series, 1, 2, 3… (the cloud numbers each device's verdicts when it stores them;
/// a verdict sent again keeps its number). The device reports the highest N such that it holds every verdict 1..N
/// (<see cref="ReviewStats.ConfirmedThrough"/>), which is how the cloud knows a verdict arrived. 0 from clouds that
/// predate numbering. Added within schema version 1: a device that predates it ignores the field (unknown fields are
/// ignored), records the verdict as before and reports no watermark.
/// </param>
public sealed record ReviewVerdict(
    int SchemaVersion,
    string Id,
    string DeviceId,
    string EscalationKey,
    long Sequence,
    bool IsPart,
    string Verdict,
    string Action,
    string Reviewer,
    DateTimeOffset ReviewedAt,
    IReadOnlyList<string>? Tags = null,
    long Number = 0);
