namespace Inspection.CloudInference.Review;

/// <summary>Who holds an item's lease, and until when.</summary>
/// <param name="Holder">The account.</param>
/// <param name="ExpiresAt">When it becomes free unless renewed.</param>
public sealed record ReviewLease(string Holder, DateTimeOffset ExpiresAt);
