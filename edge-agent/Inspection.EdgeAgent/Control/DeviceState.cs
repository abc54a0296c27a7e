using Inspection.Contracts.Mqtt;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// The device's runtime state: the applied desired state, the automatic degradation and the effective
/// mode (the more severe of commanded and automatic). Thread-safe; <see cref="Changed"/> fires after
/// every change.
/// </summary>
public sealed class DeviceState
{
    private readonly ControlStateStore _store;
    private readonly Lock _gate = new();
    private long _appliedVersion;
    private DegradationMode _commanded;
    private DegradationMode _automatic;
    private string? _automaticReason;
    private RejectedPayload? _lastRejected;
    private ModelTarget? _desiredModel;
    private ModelRollback? _desiredRollback;

    public DeviceState(ControlStateStore store)
    {
        _store = store;
        if (store.Load() is { } applied)
        {
            _appliedVersion = applied.Version;
            DegradationModes.TryParse(applied.Mode, out _commanded);
            _desiredModel = applied.Model;
            _desiredRollback = applied.Rollback;
        }
    }

    public event Action? Changed;

    public long AppliedDesiredVersion
    {
        get
        {
            lock (_gate)
            {
                return _appliedVersion;
            }
        }
    }

    public DegradationMode CommandedMode
    {
        get
        {
            lock (_gate)
            {
                return _commanded;
            }
        }
    }

    public DegradationMode AutomaticMode
    {
        get
        {
            lock (_gate)
            {
                return _automatic;
            }
        }
    }

    public string? AutomaticReason
    {
        get
        {
            lock (_gate)
            {
                return _automaticReason;
            }
        }
    }

    public DegradationMode EffectiveMode
    {
        get
        {
            lock (_gate)
            {
                return DegradationModes.MoreSevere(_commanded, _automatic);
            }
        }
    }

    /// <summary>The one-step rollback the applied desired state asks for, or null.</summary>
    public ModelRollback? DesiredRollback
    {
        get
        {
            lock (_gate)
            {
                return _desiredRollback;
            }
        }
    }

    /// <summary>The model the applied desired state asks for, or null.</summary>
    public ModelTarget? DesiredModel
    {
        get
        {
            lock (_gate)
            {
                return _desiredModel;
            }
        }
    }

    public RejectedPayload? LastRejected
    {
        get
        {
            lock (_gate)
            {
                return _lastRejected;
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="desired"/> (already validated) when its version is newer than the applied
    /// one, and persists it before it takes effect.
    /// </summary>
    public DesiredStateOutcome Apply(DesiredState desired)
    {
        if (!DegradationModes.TryParse(desired.Mode, out var mode))
        {
            throw new ArgumentException($"Unknown mode '{desired.Mode}'; validate with MqttPayloads.TryParseDesired first.", nameof(desired));
        }

        if (desired.Version <= AppliedDesiredVersion)
        {
            return DesiredStateOutcome.Stale;
        }

        // Persisted before it takes effect, outside the lock: the MQTT receive loop is the only caller, so no newer
        // state can slip in between the check and the write.
        _store.Save(desired);
        lock (_gate)
        {
            _appliedVersion = desired.Version;
            _commanded = mode;
            _desiredModel = desired.Model;
            _desiredRollback = desired.Rollback;
        }

        Changed?.Invoke();
        return DesiredStateOutcome.Applied;
    }

    /// <summary>Records a refused payload so the reported state shows it; the mode stays as it is.</summary>
    public void Reject(string topic, string error, DateTimeOffset at)
    {
        lock (_gate)
        {
            _lastRejected = new RejectedPayload(topic, error, at);
        }

        Changed?.Invoke();
    }

    /// <summary>
    /// Sets the mode the device chooses on its own (cloud unreachable, overload, model failure), with the
    /// reason; <see cref="DegradationMode.Normal"/> and null clear it.
    /// </summary>
    public void SetAutomatic(DegradationMode mode, string? reason)
    {
        lock (_gate)
        {
            if (_automatic == mode && _automaticReason == reason)
            {
                return;
            }

            _automatic = mode;
            _automaticReason = mode == DegradationMode.Normal ? null : reason;
        }

        Changed?.Invoke();
    }
}
