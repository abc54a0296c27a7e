namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// One agent update as kept on disk (<c>state.json</c>), written before every step it describes is taken, so a crash
/// of the agent or of the updater at any point leaves a record the next run resumes from or reports.
/// </summary>
/// <param name="Version">The release being installed.</param>
/// <param name="Phase">One of <see cref="AgentUpdatePhase"/>.</param>
/// <param name="At">When the phase was entered.</param>
/// <param name="Bundle">The verified bundle the agent staged (<c>Requested</c>).</param>
/// <param name="Previous">The release the link pointed at before the switch: what a rollback returns to.</param>
/// <param name="Reason">For refused and rolled-back: why, in words a person can act on; for committed a short note.</param>
/// <param name="Attempts">How many times the updater started the health window (an interrupted updater starts it again, once).</param>
/// <param name="ReadySeconds">Once the new release reported <c>READY=1</c>: how long after its restart; its health window runs from then.</param>
/// <param name="LineStoppedSeconds">For committed: from the old release's last inspected frame to the new one's first, as seen in their status lines.</param>
/// <param name="Reported">The running agent has published this outcome to the fleet.</param>
public sealed record AgentUpdateRecord(
    string Version,
    string Phase,
    DateTimeOffset At,
    string? Bundle = null,
    string? Previous = null,
    string? Reason = null,
    int Attempts = 0,
    double? ReadySeconds = null,
    double? LineStoppedSeconds = null,
    bool Reported = false);
