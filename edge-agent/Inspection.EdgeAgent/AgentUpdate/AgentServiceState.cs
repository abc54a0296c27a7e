namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>What the service manager knows of the agent's service at one moment.</summary>
/// <param name="Running">A main process runs.</param>
/// <param name="Ready">The running process has sent <c>READY=1</c> since it started.</param>
/// <param name="Exits">How many times a main process has exited and been restarted by the manager (systemd's
/// <c>NRestarts</c>); it grows when the agent crashes or the watchdog kills it.</param>
/// <param name="LastExit">How the last main process ended (e.g. "exit-code, status 134"), or null.</param>
/// <param name="Status">The last <c>STATUS=</c> line of the running process, or null.</param>
public sealed record AgentServiceState(bool Running, bool Ready, long Exits, string? LastExit, string? Status);
