namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>How a <see cref="ScriptedDevice"/> answers a desired agent release.</summary>
public enum AgentScript
{
    /// <summary>Installs it, runs its health window and commits.</summary>
    Commit,

    /// <summary>Installs it; the new agent fails its health window and the previous one runs again.</summary>
    RollBack,

    /// <summary>Refuses the bundle before installing anything.</summary>
    Refuse,

    /// <summary>Starts the update and never reports an outcome.</summary>
    Hang,
}
