namespace Inspection.ModelTools.Evaluation.Loop;

/// <summary>One image of a review set and where it came from (one line of <c>provenance.jsonl</c>).</summary>
/// <param name="Image">The image's path under the set, e.g. <c>images/l1000-f000512.jpg</c>.</param>
/// <param name="Device">The device that escalated it (the synthetic line's camera: <c>synthetic-line-{seed}</c>).</param>
/// <param name="Line">The line (its seed) and the part variant it carried.</param>
/// <param name="EscalationKey">The part's idempotency key: device and tracker id.</param>
/// <param name="FrameSequence">The frame's index on the line.</param>
/// <param name="Models">The edge and cloud models that decided it (name and version).</param>
/// <param name="Reviewer">Who labelled it: <c>ground-truth</c> for the line's own labels.</param>
/// <param name="Time">When it was labelled (UTC, ISO 8601).</param>
/// <param name="Action">What the reviewer did: <c>accept</c> (a defective part, its boxes labelled) or <c>reject</c> (not a defect).</param>
/// <param name="EdgeScore">The edge's deciding score on the part in this frame.</param>
/// <param name="CloudVerdict">What the cloud decided for the part (<c>pass</c>, <c>defect</c>, <c>uncertain</c>).</param>
/// <param name="Boxes">Boxes labelled in the image.</param>
/// <param name="Audit">
/// For an audit (a part the edge decided confidently, sent by <c>--audit-share</c>): what the edge decided
/// (<c>pass</c> or <c>defect</c>); null for a part the edge escalated as uncertain.
/// </param>
public sealed record ReviewItem(
    string Image, string Device, string Line, string EscalationKey, long FrameSequence, IReadOnlyDictionary<string, string> Models, string Reviewer,
    string Time, string Action, float EdgeScore, string CloudVerdict, int Boxes, string? Audit = null);
