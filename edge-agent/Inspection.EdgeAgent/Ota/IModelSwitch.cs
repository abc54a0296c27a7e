using Inspection.Detection;
using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// The steps of a model update that need the model itself: loading and warming the candidate beside the running
/// model, then, through the <see cref="IModelChange"/> that returns, the golden set, the shadow, the swap, the health
/// window and the end of the change in memory. <see cref="ModelUpdateWorker"/> keeps the rest of the transaction
/// (download, verification, the persisted state, the pointer file, progress). On a device this is
/// <see cref="Inspection.ActiveModel"/>; the fleet simulator puts a simulated switch here, so its devices run the
/// agent's own update code with inference left out.
/// </summary>
public interface IModelSwitch
{
    /// <summary>The model that decides now and where it runs, or null until it is loaded.</summary>
    RunningModel? Running { get; }

    /// <summary>
    /// Loads and warms the model of a verified package staged in <paramref name="folder"/>, beside the running one.
    /// Throws <see cref="UpdateRefusedException"/> when the model is not what its manifest says and
    /// <see cref="ModelContractException"/> when it is no usable model.
    /// </summary>
    Task<IModelChange> LoadAsync(ModelManifest manifest, string folder, string tensorRtCachePath, CancellationToken cancellationToken);

    /// <summary>Loads and warms the model the device is configured with (<c>Detector:ModelPath</c>), beside the running one: a rollback's candidate.</summary>
    Task<IModelChange> LoadConfiguredAsync(CancellationToken cancellationToken);
}
