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
    private readonly Dictionary<DegradationCause, AutomaticDegradation> _causes = [];

    // The mode each active cause asks for, by cause (null: not active): the per-frame questions (IsInForce,
    // EffectiveMode) read these few entries without parsing wire names or allocating.
    private readonly DegradationMode?[] _causeModes = new DegradationMode?[Enum.GetValues<DegradationCause>().Length];
    private RejectedPayload? _lastRejected;
    private ModelTarget? _desiredModel;
    private ModelRollback? _desiredRollback;
    private DesiredState? _applied;

    public DeviceState(ControlStateStore store)
    {
        _store = store;
        if (store.Load() is { } applied)
        {
            _applied = applied;
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

    /// <summary>The applied desired state as it was received, or null before the first one.</summary>
    public DesiredState? AppliedDesired
    {
        get
        {
            lock (_gate)
            {
                return _applied;
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

    /// <summary>The most severe mode any automatic cause asks for; normal when none is active.</summary>
    public DegradationMode AutomaticMode
    {
        get
        {
            lock (_gate)
            {
                return AutomaticModeLocked();
            }
        }
    }

    /// <summary>The active causes' reasons in one line (most severe first), or null when the device did not degrade on its own.</summary>
    public string? AutomaticReason
    {
        get
        {
            lock (_gate)
            {
                return _causes.Count == 0
                    ? null
                    : string.Join("; ", _causes.Values.OrderByDescending(c => Severity(c.Mode)).ThenBy(c => c.Since).Select(c => c.Reason));
            }
        }
    }

    /// <summary>Every active automatic cause with the mode it asks for, oldest first.</summary>
    public IReadOnlyList<AutomaticDegradation> AutomaticCauses
    {
        get
        {
            lock (_gate)
            {
                return [.. _causes.Values.OrderBy(c => c.Since)];
            }
        }
    }

    /// <summary>The most severe of the commanded mode and every automatic cause's.</summary>
    public DegradationMode EffectiveMode
    {
        get
        {
            lock (_gate)
            {
                return DegradationModes.MoreSevere(_commanded, AutomaticModeLocked());
            }
        }
    }

    /// <summary>Whether <paramref name="mode"/> is in force, commanded or by any active cause.</summary>
    public bool IsInForce(DegradationMode mode)
    {
        lock (_gate)
        {
            if (_commanded == mode)
            {
                return true;
            }

            foreach (var asked in _causeModes)
            {
                if (asked == mode)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Whether any active cause other than <paramref name="except"/> asks for <paramref name="mode"/>.</summary>
    public bool IsAutomaticInForce(DegradationMode mode, DegradationCause except)
    {
        lock (_gate)
        {
            for (var cause = 0; cause < _causeModes.Length; cause++)
            {
                if (cause != (int)except && _causeModes[cause] == mode)
                {
                    return true;
                }
            }

            return false;
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
            _applied = desired;
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
    /// Enters (or updates) an automatic cause: <paramref name="cause"/> asks for <paramref name="mode"/> because of
    /// <paramref name="reason"/>. Returns true when the cause was not active before. Its start time is kept across
    /// updates of the reason.
    /// </summary>
    public bool SetCause(DegradationCause cause, DegradationMode mode, string reason, DateTimeOffset at)
    {
        bool entered;
        lock (_gate)
        {
            var wire = mode.ToWire();
            if (_causes.TryGetValue(cause, out var current))
            {
                if (current.Mode == wire && current.Reason == reason)
                {
                    return false;
                }

                _causes[cause] = current with { Mode = wire, Reason = reason };
                _causeModes[(int)cause] = mode;
                entered = false;
            }
            else
            {
                _causes[cause] = new AutomaticDegradation(cause.ToWire(), wire, reason, at);
                _causeModes[(int)cause] = mode;
                entered = true;
            }
        }

        Changed?.Invoke();
        return entered;
    }

    /// <summary>Leaves an automatic cause. Returns true when it was active.</summary>
    public bool ClearCause(DegradationCause cause)
    {
        lock (_gate)
        {
            if (!_causes.Remove(cause))
            {
                return false;
            }

            _causeModes[(int)cause] = null;
        }

        Changed?.Invoke();
        return true;
    }

    /// <summary>Whether <paramref name="cause"/> is active.</summary>
    public bool HasCause(DegradationCause cause)
    {
        lock (_gate)
        {
            return _causeModes[(int)cause] is not null;
        }
    }

    private DegradationMode AutomaticModeLocked()
    {
        var mode = DegradationMode.Normal;
        foreach (var asked in _causeModes)
        {
            if (asked is { } m)
            {
                mode = DegradationModes.MoreSevere(mode, m);
            }
        }

        return mode;
    }

    private static int Severity(string wire) => DegradationModes.TryParse(wire, out var mode) ? (int)mode : 0;
}
