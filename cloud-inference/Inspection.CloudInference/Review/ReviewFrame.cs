using Inspection.CloudInference.Escalations;

namespace Inspection.CloudInference.Review;

/// <summary>One frame of an item under review, for a part and a frame escalation alike, as the API and the export see it.</summary>
/// <param name="Sequence">The frame's sequence on its device.</param>
/// <param name="CapturedAt">When the edge captured it.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="PartBox">Where the part lies; null when the whole frame is the part (or for a frame escalation).</param>
/// <param name="EdgeDetections">The edge model's detections, in pixels of the frame.</param>
/// <param name="CloudDetections">The cloud model's detections on the part: what the cloud decided by.</param>
/// <param name="Verdict">The cloud's verdict on this frame; empty when the frame was refused.</param>
/// <param name="Error">Why the cloud refused the frame; empty when judged.</param>
/// <param name="ImageUrl">Where the frame's JPEG is served.</param>
public sealed record ReviewFrame(
    long Sequence,
    DateTimeOffset? CapturedAt,
    int Width,
    int Height,
    StoredPartBox? PartBox,
    IReadOnlyList<StoredDetection> EdgeDetections,
    IReadOnlyList<StoredDetection> CloudDetections,
    string Verdict,
    string Error,
    string ImageUrl)
{
    /// <summary>A refused frame has no image the cloud could read: it is shown, but neither boxed nor exported.</summary>
    public bool Judged => Error.Length == 0;

    /// <summary>The frames of an escalation: a part's escalated frames, or the one frame of a frame escalation.</summary>
    public static IReadOnlyList<ReviewFrame> Of(StoredEscalation escalation)
    {
        var device = Uri.EscapeDataString(escalation.DeviceId);
        if (escalation.Part is { } part)
        {
            return [.. part.Frames.Select(f => new ReviewFrame(
                f.Sequence, f.CapturedAt, f.Width, f.Height, f.PartBox, f.EdgeDetections, f.CloudDetections, f.Verdict, f.Error,
                $"/api/escalations/{device}/{part.PartId}/frames/{f.Sequence}/image"))];
        }

        return
        [
            new ReviewFrame(
                escalation.Sequence, escalation.CapturedAt, escalation.Width, escalation.Height, null, escalation.EdgeDetections,
                escalation.CloudDetections, escalation.Verdict, string.Empty, $"/api/escalations/{device}/{escalation.Sequence}/image"),
        ];
    }
}
