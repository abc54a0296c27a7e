namespace Inspection.ModelTools.Review;

/// <summary>The parts of a review item the scripted reviewer reads (<c>POST /api/review/next</c>).</summary>
/// <param name="Key">The escalation key, <c>{deviceId}/{sequence}</c>.</param>
/// <param name="DeviceId">The device that escalated it.</param>
/// <param name="Sequence">The key's sequence (the part id for a part).</param>
/// <param name="ClassNames">The cloud model's classes by id.</param>
/// <param name="Frames">Its frames.</param>
public sealed record ReviewApiItem(string Key, string DeviceId, long Sequence, IReadOnlyList<string> ClassNames, IReadOnlyList<ReviewApiFrame> Frames);
