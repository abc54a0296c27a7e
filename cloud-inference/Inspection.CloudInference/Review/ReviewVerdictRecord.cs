using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// A reviewed verdict on its way to the device (collection <c>review_verdicts</c>): stored pending when the review
/// completes, marked sent when the broker acknowledged it (QoS 1).
/// </summary>
public sealed class ReviewVerdictRecord
{
    /// <summary>The verdict's id: derived from the review, so the same review stored twice is one verdict.</summary>
    [BsonId]
    public string Id { get; set; } = string.Empty;

    public string DeviceId { get; set; } = string.Empty;

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
}
