using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>One line of the review audit trail (collection <c>review_audit</c>, append-only): a lease taken or released, an action, a re-open.</summary>
public sealed class StoredAuditEntry
{
    // LiteDB reads an empty string back as null: kept empty here.
    private string _detail = string.Empty;
    private string _actor = string.Empty;

    [BsonId(autoId: true)]
    public long Id { get; set; }

    /// <summary>The escalation's key.</summary>
    public string Key { get; set; } = string.Empty;

    public DateTimeOffset At { get; set; }

    /// <summary>The account that did it.</summary>
    public string Actor { get => _actor; set => _actor = value ?? string.Empty; }

    /// <summary>One of <see cref="ReviewActions"/>' names.</summary>
    public string Kind { get; set; } = string.Empty;

    public List<string> Tags { get; set; } = [];

    /// <summary>What else is worth knowing (a lease's end, the number of boxes of a fix, whose expired lease was taken over).</summary>
    public string Detail { get => _detail; set => _detail = value ?? string.Empty; }
}
