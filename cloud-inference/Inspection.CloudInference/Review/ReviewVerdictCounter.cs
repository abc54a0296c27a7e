using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// The last verdict number issued to one device (collection <c>review_verdict_numbers</c>), kept apart from the verdicts
/// so a number is never issued twice, whatever happens to the verdicts later.
/// </summary>
public sealed class ReviewVerdictCounter
{
    [BsonId]
    public string DeviceId { get; set; } = string.Empty;

    public long Last { get; set; }
}
