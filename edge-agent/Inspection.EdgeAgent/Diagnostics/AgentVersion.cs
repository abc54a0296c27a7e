using System.Reflection;

namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>The agent's version as reported to the fleet (the assembly's informational version).</summary>
public static class AgentVersion
{
    public static string Current { get; } =
        typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(AgentVersion).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";
}
