namespace Inspection.CloudInference.Escalations;

/// <summary>One escalated frame of a part in <c>GET /api/escalations</c>.</summary>
/// <param name="Sequence">The frame's sequence on its device.</param>
/// <param name="CapturedAt">When the edge captured it.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="PartBox">Where the part lies in the frame; null when the whole frame is the part.</param>
/// <param name="EdgeTop">The edge's most confident detection in the frame, or null.</param>
/// <param name="CloudDetections">The cloud's detections on the part (what the frame was decided by).</param>
/// <param name="IgnoredDetections">Cloud detections off the part, not judged.</param>
/// <param name="Verdict"><c>pass</c>, <c>defect</c>, <c>uncertain</c>; empty when the frame was refused.</param>
/// <param name="Error">Why the frame was refused; empty when judged.</param>
/// <param name="ImageUrl">Where the frame's JPEG is served.</param>
public sealed record EscalationPartFrameItem(
    long Sequence,
    DateTimeOffset? CapturedAt,
    int Width,
    int Height,
    StoredPartBox? PartBox,
    StoredDetection? EdgeTop,
    IReadOnlyList<StoredDetection> CloudDetections,
    int IgnoredDetections,
    string Verdict,
    string Error,
    string ImageUrl)
{
    public static EscalationPartFrameItem From(string deviceId, long partId, StoredPartFrame f) => new(
        f.Sequence,
        f.CapturedAt,
        f.Width,
        f.Height,
        f.PartBox,
        f.EdgeDetections.MaxBy(d => d.Confidence),
        f.CloudDetections,
        f.IgnoredDetections,
        f.Verdict,
        f.Error,
        $"/api/escalations/{Uri.EscapeDataString(deviceId)}/{partId}/frames/{f.Sequence}/image");
}
