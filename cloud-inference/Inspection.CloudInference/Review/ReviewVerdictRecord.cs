using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// A reviewed verdict on its way to the device (collection <c>review_verdicts</c>): stored <c>pending</c> when the review
/// completes, <c>sent</c> when the broker acknowledged it (QoS 1), <c>confirmed</c> when the device's reported watermark
/// covers its number. Only a confirmed verdict is never published again.
/// </summary>
public sealed class ReviewVerdictRecord
{
    /// <summary>The verdict's id: derived from the review, so the same review stored twice is one verdict.</summary>
    [BsonId]
    public string Id { get; set; } = string.Empty;

    public string DeviceId { get; set; } = string.Empty;

    /// <summary>Its place in the device's series, 1, 2, 3… (<see cref="ReviewVerdictCounter"/>), assigned when it is stored.</summary>
    public long Number { get; set; }

    public string LineId { get; set; } = string.Empty;

    public string EscalationKey { get; set; } = string.Empty;

    public long Sequence { get; set; }

    public bool IsPart { get; set; }

    public string Verdict { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string Reviewer { get; set; } = string.Empty;

    public DateTimeOffset ReviewedAt { get; set; }

    public List<string> Tags { get; set; } = [];

    /// <summary>When the sink stored it.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Whether the broker acknowledged it; false while pending.</summary>
    public bool Sent { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    /// <summary>Publishes tried, acknowledged or not.</summary>
    public int Attempts { get; set; }

    /// <summary>When it was last published (acknowledged or not); null before the first publish.</summary>
    public DateTimeOffset? LastPublishedAt { get; set; }

    /// <summary>Whether the device reported holding it (its watermark covers <see cref="Number"/>).</summary>
    public bool Confirmed { get; set; }

    public DateTimeOffset? ConfirmedAt { get; set; }

    /// <summary><c>pending</c>, <c>sent</c> or <c>confirmed</c>.</summary>
    [BsonIgnore]
    public string Status => Confirmed ? "confirmed" : Sent ? "sent" : "pending";
}
