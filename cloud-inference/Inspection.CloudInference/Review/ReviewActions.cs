namespace Inspection.CloudInference.Review;

/// <summary>What a reviewer can do to an item, and what the audit trail records, as stored and as the API names them.</summary>
public static class ReviewActions
{
    /// <summary>Defect confirmed, the cloud's boxes as they are.</summary>
    public const string Accept = "accept";

    /// <summary>Defect confirmed with the reviewer's boxes.</summary>
    public const string Fix = "fix";

    /// <summary>Not a defect.</summary>
    public const string Reject = "reject";

    /// <summary>Audit: a reviewer took the item's lease.</summary>
    public const string LeaseTaken = "lease-taken";

    /// <summary>Audit: a reviewer gave the lease back without acting.</summary>
    public const string LeaseReleased = "lease-released";

    /// <summary>Audit: an engineer re-opened a completed review; the item waits in the queue again.</summary>
    public const string Reopen = "reopen";

    public static bool IsAction(string name) => name is Accept or Fix or Reject;
}
