using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// The one place a desired-state payload from the broker is judged and applied: verified against the pinned control
/// keys (<see cref="DesiredStateVerifier"/>), rejected (reported and raised as an event) or applied through
/// <see cref="DeviceState.Apply"/>; the retained state redelivered after a reconnect is ignored quietly.
/// </summary>
public sealed partial class DesiredStateHandler
{
    private readonly DeviceState _state;
    private readonly DesiredStateVerifier _verifier;
    private readonly DeviceEvents _events;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DesiredStateHandler> _logger;

    public DesiredStateHandler(DeviceState state, DesiredStateVerifier verifier, DeviceEvents events, TimeProvider timeProvider, ILogger<DesiredStateHandler> logger)
    {
        _state = state;
        _verifier = verifier;
        _events = events;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Handles one payload received on the device's <c>desired</c> topic. Never throws for a bad payload.</summary>
    public void Handle(string topic, byte[] payload)
    {
        var now = _timeProvider.GetUtcNow();
        if (_verifier.Check(payload, out var desired, out var error) == DesiredStateCheck.Rejected)
        {
            Log.DesiredRejected(_logger, topic, error);
            _state.Reject(topic, error, now);
            _events.Raise("desired-rejected", $"desired state rejected: {error}");
            return;
        }

        var applied = _state.AppliedDesiredVersion;
        if (desired is null || _state.Apply(desired) == DesiredStateOutcome.Stale)
        {
            // The retained state again after a reconnect: not news, and not an attack either.
            Log.DesiredStale(_logger, applied);
            return;
        }

        Log.DesiredApplied(_logger, desired.Version, desired.Mode, _state.EffectiveMode.ToWire(), desired.IssuedBy ?? "unknown");
        var model = desired.Model is { } target ? $", model release {target.Release}" : string.Empty;
        _events.Raise("desired-applied", $"desired state {desired.Version} applied: mode {desired.Mode}{model}");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1505, Level = LogLevel.Warning, Message = "Desired state on {Topic} rejected: {Error}; keeping the current mode")]
        public static partial void DesiredRejected(ILogger logger, string topic, string error);

        [LoggerMessage(EventId = 1506, Level = LogLevel.Debug, Message = "Desired state ignored: version {Applied} is already applied with the same content")]
        public static partial void DesiredStale(ILogger logger, long applied);

        [LoggerMessage(EventId = 1507, Level = LogLevel.Information, Message = "Desired state {Version} applied: commanded mode {Mode}, effective mode {Effective} (issued by {IssuedBy})")]
        public static partial void DesiredApplied(ILogger logger, long version, string mode, string effective, string issuedBy);
    }
}
