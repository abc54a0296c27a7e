namespace Inspection.Contracts.Api;

/// <summary>One line's review backlog (<c>GET /api/review/backlog</c>): items the cloud left uncertain that no one has reviewed yet.</summary>
/// <param name="LineId">The line.</param>
/// <param name="Waiting">Items waiting for a review.</param>
/// <param name="OldestReceivedAt">When the oldest of them reached the cloud; null when none waits.</param>
/// <param name="OldestAgeSeconds">How long the oldest has waited, in whole seconds (0 when none waits).</param>
public sealed record LineBacklog(string LineId, int Waiting, DateTimeOffset? OldestReceivedAt, long OldestAgeSeconds);
