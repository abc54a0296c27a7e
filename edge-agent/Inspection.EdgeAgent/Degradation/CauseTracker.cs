using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Control;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Degradation;

/// <summary>
/// Hysteresis for one automatic cause: it enters after <c>enterAfter</c> bad observations in a row and leaves after
/// <c>leaveAfter</c> good ones in a row, so a single bad or good sample never flips the mode. Entering and leaving
/// each raise one device event (<c>degraded</c>, <c>recovered</c>) with the measured reason, and go into the
/// reported state through <see cref="DeviceState"/>. Thread-safe.
/// </summary>
public sealed partial class CauseTracker
{
    private readonly DegradationCause _cause;
    private readonly DegradationMode _mode;
    private readonly int _enterAfter;
    private readonly int _leaveAfter;
    private readonly DeviceState _state;
    private readonly DeviceEvents _events;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private int _bad;
    private int _good;

    public CauseTracker(
        DegradationCause cause,
        DegradationMode mode,
        int enterAfter,
        int leaveAfter,
        DeviceState state,
        DeviceEvents events,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _cause = cause;
        _mode = mode;
        _enterAfter = enterAfter;
        _leaveAfter = leaveAfter;
        _state = state;
        _events = events;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Whether the cause is in force.</summary>
    public bool Active => _state.HasCause(_cause);

    /// <summary>Bad observations in a row so far.</summary>
    public int BadInARow
    {
        get
        {
            lock (_gate)
            {
                return _bad;
            }
        }
    }

    /// <summary>Counts a bad observation; returns true when this one made the cause enter.</summary>
    public bool Bad(string reason)
    {
        lock (_gate)
        {
            _good = 0;
            _bad = _bad == int.MaxValue ? _bad : _bad + 1;
            if (_bad < _enterAfter || _state.HasCause(_cause))
            {
                return false;
            }

            var text = $"{reason} ({_bad} in a row)";
            _state.SetCause(_cause, _mode, text, _timeProvider.GetUtcNow());
            _events.Raise("degraded", $"{_cause.ToWire()}: {text}; mode {_mode.ToWire()}");
            Log.Entered(_logger, _cause.ToWire(), _mode.ToWire(), text);
            return true;
        }
    }

    /// <summary>Updates the reason of an active cause (e.g. a new measurement) without counting an observation.</summary>
    public void Describe(string reason)
    {
        lock (_gate)
        {
            if (_state.HasCause(_cause))
            {
                _state.SetCause(_cause, _mode, reason, _timeProvider.GetUtcNow());
            }
        }
    }

    /// <summary>Counts a good observation; returns true when this one made the cause leave.</summary>
    public bool Good(string reason)
    {
        lock (_gate)
        {
            _bad = 0;
            if (!_state.HasCause(_cause))
            {
                _good = 0;
                return false;
            }

            _good++;
            if (_good < _leaveAfter)
            {
                return false;
            }

            _good = 0;
            var text = $"{reason} ({_leaveAfter} in a row)";
            _state.ClearCause(_cause);
            _events.Raise("recovered", $"{_cause.ToWire()}: {text}");
            Log.Left(_logger, _cause.ToWire(), text);
            return true;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1900, Level = LogLevel.Warning, Message = "Degraded on its own ({Cause}): {Reason}; mode {Mode}")]
        public static partial void Entered(ILogger logger, string cause, string mode, string reason);

        [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "Recovered ({Cause}): {Reason}")]
        public static partial void Left(ILogger logger, string cause, string reason);
    }
}
