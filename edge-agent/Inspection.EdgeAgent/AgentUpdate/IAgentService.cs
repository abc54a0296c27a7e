namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// The service manager that runs the agent (systemd on a device, <see cref="SystemdAgentService"/>; a supervisor in
/// tests): it starts the agent through the release link, restarts it when it exits, and knows whether it is ready and
/// what it last said.
/// </summary>
public interface IAgentService
{
    /// <summary>Stops the running agent (SIGTERM, as on any stop) and starts it again through the link.</summary>
    Task RestartAsync(CancellationToken cancellationToken);

    /// <summary>The service's state now.</summary>
    Task<AgentServiceState> ReadAsync(CancellationToken cancellationToken);
}
