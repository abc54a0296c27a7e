namespace Inspection.CloudInference.Review;

/// <summary>The body of <c>POST /api/review/items/{deviceId}/{sequence}/accept|fix|reject</c> (optional for accept and reject).</summary>
/// <param name="Tags">Reason tags from <c>Cloud:Review:ReasonTags</c>.</param>
/// <param name="Frames">For a fix: the reviewer's boxes per frame; a judged frame left out keeps the cloud's boxes.</param>
public sealed record ReviewActionRequest(IReadOnlyList<string>? Tags, IReadOnlyList<ReviewFrameBoxes>? Frames);
