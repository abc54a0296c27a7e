namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// The agent's own build output (built with this test project), for tests that run it as a process: its runtime
/// configuration differs from this test's, which also loads ASP.NET Core.
/// </summary>
internal static class AgentBuild
{
    public static string Dll
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var dll = RepositoryRoot.Combine("edge-agent", "Inspection.EdgeAgent", "bin", configuration, "net10.0", "Inspection.EdgeAgent.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"The edge agent's build output {dll} is missing; build this test project first.", dll);
        }
    }
}
