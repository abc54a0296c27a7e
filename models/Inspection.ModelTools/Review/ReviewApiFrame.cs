namespace Inspection.ModelTools.Review;

/// <summary>One frame of an item as <c>GET /api/review/items/{deviceId}/{sequence}</c> shows it.</summary>
/// <param name="Sequence">The frame's sequence on its device.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="PartBox">Where the part lies; null: the whole frame.</param>
/// <param name="CloudDetections">The cloud model's boxes.</param>
/// <param name="Judged">False when the cloud could not read the frame: it takes no boxes.</param>
public sealed record ReviewApiFrame(long Sequence, int Width, int Height, ReviewApiBox? PartBox, IReadOnlyList<ReviewApiBox> CloudDetections, bool Judged);
