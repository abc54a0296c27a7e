using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Ota;
using Inspection.FleetSimulator.Devices;
using Microsoft.Extensions.Logging;

namespace Inspection.FleetSimulator.Inference;

/// <summary>
/// A simulated device's <see cref="IModelSwitch"/>: nothing is loaded and nothing inferred. Each step of a model change
/// takes the fleet's configured time (<c>--load-ms</c>, <c>--golden-ms</c>, <c>--shadow-ms</c>, <c>--health-ms</c>),
/// fails or hangs where the device's fault says, and the model that "decides" is a name: the configured model, or
/// the release committed in the device's folder (a second run starts where the first left off).
/// </summary>
public sealed partial class SimulatedModelSwitch : IModelSwitch
{
    /// <summary>The execution provider simulated devices report.</summary>
    public const string Provider = "simulated";

    /// <summary>The model a simulated device runs before its first update: the shipped edge model, as a device set up with it reports it.</summary>
    public static readonly ModelInfo ConfiguredModel = new("inspection-edge", "2.0.0");

    private readonly DeviceProfile _profile;
    private readonly TimeProvider _time;
    private readonly long _startRelease;
    private RunningModel _running;

    public SimulatedModelSwitch(DeviceProfile profile, CommittedModelFile committed, TimeProvider time, ILogger<SimulatedModelSwitch> logger)
    {
        ArgumentNullException.ThrowIfNull(committed);
        _profile = profile;
        _time = time;
        CommittedModel? current = null;
        try
        {
            current = committed.Read();
        }
        catch (InvalidDataException ex)
        {
            // As on a device: a damaged committed model does not stop it; it runs the configured one.
            Log.CommittedUnusable(logger, committed.PointerPath, ex.Message);
        }

        _running = new RunningModel(current is null ? ConfiguredModel : new ModelInfo(current.Name, current.Version, current.Release, current.Sha256), Provider);
        _startRelease = current?.Release ?? 0;
    }

    public RunningModel? Running => Volatile.Read(ref _running);

    /// <summary>
    /// The share of frames the deciding model escalates: the fleet's rate, times <c>--regress-factor</c> on a
    /// regressing device once a release newer than the one it started with decides.
    /// </summary>
    public double EscalationRate =>
        _profile.Fault == DeviceFault.Regress && (Volatile.Read(ref _running).Model.Release ?? 0) > _startRelease
            ? Math.Min(1, _profile.Fleet.EscalationRate * _profile.Fleet.RegressFactor)
            : _profile.Fleet.EscalationRate;

    public async Task<IModelChange> LoadAsync(ModelManifest manifest, string folder, string tensorRtCachePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await StepAsync(OtaStates.Loading, _profile.Fleet.LoadMs, cancellationToken).ConfigureAwait(false);
        var candidate = new RunningModel(new ModelInfo(manifest.Name, manifest.Version, manifest.Release, manifest.Model.Sha256), Provider);
        return new SimulatedModelChange(this, candidate, _profile, _time);
    }

    /// <summary>A rollback to the configured model: loading takes its configured time; the model is the one the device started with.</summary>
    public async Task<IModelChange> LoadConfiguredAsync(CancellationToken cancellationToken)
    {
        await StepAsync(OtaStates.Loading, _profile.Fleet.LoadMs, cancellationToken).ConfigureAwait(false);
        return new SimulatedModelChange(this, new RunningModel(ConfiguredModel, Provider), _profile, _time);
    }

    /// <summary>Waits out one step of a change, or forever (until the change is cancelled) on a device that hangs in it.</summary>
    internal Task StepAsync(string step, int milliseconds, CancellationToken cancellationToken) =>
        _profile.HangsIn(step)
            ? Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken)
            : Task.Delay(TimeSpan.FromMilliseconds(milliseconds), _time, cancellationToken);

    /// <summary>Makes <paramref name="model"/> the deciding one (the swap, or a rollback after it).</summary>
    internal void Decide(RunningModel model) => Volatile.Write(ref _running, model);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Error, Message = "The committed model named by {Pointer} cannot be used ({Reason}); running the configured model instead")]
        public static partial void CommittedUnusable(ILogger logger, string pointer, string reason);
    }
}
