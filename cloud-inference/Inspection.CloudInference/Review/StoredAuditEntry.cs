using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>One line of the review audit trail (collection <c>review_audit</c>, append-only): a lease taken or released, an action, a re-open.</summary>
public sealed class StoredAuditEntry
{
    [BsonId(autoId: true)]
    public long Id { get; set; }

    /// <summary>The escalation's key.</summary>
    public string Key { get; set; } = string.Empty;

    public DateTimeOffset At { get; set; }

    /// <summary>The account that did it.</summary>
    public string Actor { get; set; } = string.Empty;

    /// <summary>One of <see cref="ReviewActions"/>' names.</summary>
    public string Kind { get; set; } = string.Empty;

    public List<string> Tags { get; set; } = [];

    /// <summary>What else is worth knowing (a lease's end, the number of boxes of a fix, whose expired lease was taken over).</summary>
    public string Detail { get; set; } = string.Empty;
}
