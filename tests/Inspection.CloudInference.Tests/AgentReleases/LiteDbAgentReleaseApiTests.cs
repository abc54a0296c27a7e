namespace Inspection.CloudInference.Tests.AgentReleases;

/// <summary>Agent releases with their records in the embedded LiteDB file and their bundles in the cloud's folder.</summary>
public sealed class LiteDbAgentReleaseApiTests : AgentReleaseApiTests
{
    protected override Task<IReadOnlyList<string>> StorageArgumentsAsync() => Task.FromResult<IReadOnlyList<string>>([]);
}
