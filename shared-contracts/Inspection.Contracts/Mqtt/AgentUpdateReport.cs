namespace Inspection.Contracts.Mqtt;

/// <summary>
/// The latest update of a device's agent, in its <see cref="ReportedState"/>: kept on the device's disk until it is
/// replaced by the next, so it is reported by whichever agent runs after the update (the new one, or the previous one
/// after a rollback), however often the device restarted in between.
/// </summary>
/// <param name="Version">The release the update was for.</param>
/// <param name="State"><c>requested</c>, <c>probation</c> (switched, health window running), <c>committed</c>, <c>rolled-back</c> or <c>refused</c>.</param>
/// <param name="At">When the update entered the state.</param>
/// <param name="Reason">For rolled-back and refused: why, in words a person can act on; for committed a short note.</param>
/// <param name="Previous">The release it replaced (and, rolled back, runs again).</param>
/// <param name="LineStoppedSeconds">Committed: from the previous release's last inspected frame to the new one's first, as its status line showed.</param>
public sealed record AgentUpdateReport(string Version, string State, DateTimeOffset At, string? Reason = null, string? Previous = null, double? LineStoppedSeconds = null);
