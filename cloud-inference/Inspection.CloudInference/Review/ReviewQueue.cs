namespace Inspection.CloudInference.Review;

/// <summary>The answer of <c>GET /api/review/queue</c>.</summary>
/// <param name="Waiting">Items matching the filters that wait for a review.</param>
/// <param name="Leased">Of those, items someone holds a lease on now.</param>
/// <param name="Items">The first of them in queue order (most unsure first, then oldest).</param>
public sealed record ReviewQueue(int Waiting, int Leased, IReadOnlyList<ReviewQueueItem> Items);
