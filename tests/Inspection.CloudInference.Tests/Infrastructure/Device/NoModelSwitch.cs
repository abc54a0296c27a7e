using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Ota;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>A device's model switch with no model: for an edge control host that only takes messages from the cloud.</summary>
internal sealed class NoModelSwitch : IModelSwitch
{
    public RunningModel? Running => null;

    public Task<IModelChange> LoadAsync(ModelManifest manifest, string folder, string tensorRtCachePath, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("This test device runs no model.");

    public Task<IModelChange> LoadConfiguredAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("This test device runs no model.");
}
