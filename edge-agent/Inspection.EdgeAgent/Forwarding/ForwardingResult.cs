namespace Inspection.EdgeAgent.Forwarding;

/// <summary>What one forwarding pass did.</summary>
/// <param name="Status">Why the pass ended as it did.</param>
/// <param name="Sent">Frames sent.</param>
/// <param name="Stored">Frames the cloud stored (removed from the outbox).</param>
/// <param name="Rejected">Frames the cloud refused (moved to <c>rejected</c>).</param>
/// <param name="Unanswered">Frames without an answer (kept, backed off).</param>
/// <param name="RetryAfter">
/// For <see cref="ForwardingStatus.CircuitOpen"/>: when the cloud is probed again; for <see cref="ForwardingStatus.Throttled"/>:
/// the wait the cloud asked for before the unanswered frames are sent again.
/// </param>
public sealed record ForwardingResult(
    ForwardingStatus Status,
    int Sent = 0,
    int Stored = 0,
    int Rejected = 0,
    int Unanswered = 0,
    TimeSpan? RetryAfter = null);
