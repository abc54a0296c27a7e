namespace Inspection.CloudInference.Storage;

/// <summary>The lease of a cloud that is the only one on its store (LiteDB): always held.</summary>
public sealed class InProcessLease(string name) : IRunOnceLease
{
    public string Name { get; } = name;

    public Task<bool> HoldAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
