namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// Tests that set process-wide environment variables (NOTIFY_SOCKET, WATCHDOG_USEC, INSPECTION_EDGE_CONFIG)
/// run alone, so no other test builds a host while they are set.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}
