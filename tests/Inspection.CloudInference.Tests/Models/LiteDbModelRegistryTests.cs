namespace Inspection.CloudInference.Tests.Models;

/// <summary>The model registry with its records in the embedded LiteDB file.</summary>
public sealed class LiteDbModelRegistryTests : ModelRegistryTests
{
    protected override Task<IReadOnlyList<string>> StorageArgumentsAsync() => Task.FromResult<IReadOnlyList<string>>([]);
}
