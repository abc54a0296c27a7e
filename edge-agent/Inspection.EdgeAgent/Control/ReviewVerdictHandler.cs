using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// The one place a reviewed verdict from the broker (<c>…/{deviceId}/verdicts</c>) is judged and recorded. It must be
/// signed by a control key the device pins and name this device, the rules of desired states; a refusal is logged,
/// reported (the reported state's last rejected payload), raised as an event and counted. An accepted verdict is
/// recorded once on its part or frame (<see cref="ReviewVerdictStore"/>); one that names a part this device does not
/// hold is counted with a warning.
/// </summary>
public sealed partial class ReviewVerdictHandler
{
    private readonly DesiredStateVerifier _keys;
    private readonly ReviewVerdictStore _store;
    private readonly DeviceState _state;
    private readonly DeviceEvents _events;
    private readonly EdgeStats _stats;
    private readonly string _deviceId;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ReviewVerdictHandler> _logger;

    public ReviewVerdictHandler(
        DesiredStateVerifier keys,
        ReviewVerdictStore store,
        DeviceState state,
        DeviceEvents events,
        EdgeStats stats,
        IOptions<EdgeOptions> edge,
        TimeProvider timeProvider,
        ILogger<ReviewVerdictHandler> logger)
    {
        _keys = keys;
        _store = store;
        _state = state;
        _events = events;
        _stats = stats;
        _deviceId = edge.Value.DeviceId;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Handles one payload received on the device's <c>verdicts</c> topic. Never throws for a bad payload; returns what
    /// it did, or null when it refused the payload or could not store it.
    /// </summary>
    public ReviewVerdictOutcome? Handle(string topic, byte[] payload)
    {
        var now = _timeProvider.GetUtcNow();
        if (!ReviewVerdictSignature.TryOpen(payload, _keys.TrustedKey, _keys.TrustedKeyIds, out var verdict, out var error))
        {
            Refuse(topic, error, now);
            return null;
        }

        if (verdict.DeviceId != _deviceId)
        {
            Refuse(topic, $"the signed verdict {verdict.Id} is for device '{verdict.DeviceId}', not for this one ({_deviceId})", now);
            return null;
        }

        ReviewVerdictOutcome outcome;
        try
        {
            outcome = _store.Apply(verdict, now);
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException)
        {
            // The broker has the message acknowledged once this returns; say loudly which verdict is missing here.
            _stats.StorageError();
            Log.StoreFailed(_logger, verdict.Id, verdict.EscalationKey, ex);
            _events.Raise("verdict-store-failed", $"reviewed verdict {verdict.Id} for {verdict.EscalationKey} could not be stored: {ex.Message}");
            return null;
        }

        var what = verdict.IsPart ? "part" : "frame";
        switch (outcome)
        {
            case ReviewVerdictOutcome.Applied:
            {
                _stats.ReviewApplied(verdict.Id, verdict.Verdict == ReviewVerdicts.Defect);
                Log.Applied(_logger, what, verdict.Sequence, verdict.Verdict, verdict.Action, verdict.Reviewer, verdict.Id);
                // The event also brings the reported state (and its counters) out now rather than at the next heartbeat.
                _events.Raise("verdict-applied", $"{what} {verdict.Sequence} reviewed {verdict.Verdict} ({verdict.Action} by {verdict.Reviewer}; verdict {verdict.Id})");
                break;
            }

            case ReviewVerdictOutcome.Unknown:
            {
                _stats.ReviewUnknown();
                Log.Unknown(_logger, verdict.Id, what, verdict.Sequence);
                _events.Raise("verdict-unknown", $"reviewed verdict {verdict.Id} names {what} {verdict.Sequence}, which this device does not hold (never seen here, or removed by retention)");
                break;
            }

            case ReviewVerdictOutcome.Superseded:
                Log.Superseded(_logger, verdict.Id, what, verdict.Sequence);
                break;
            default:
                Log.Redelivered(_logger, verdict.Id);
                break;
        }

        return outcome;
    }

    private void Refuse(string topic, string error, DateTimeOffset now)
    {
        _stats.ReviewRefused();
        Log.Refused(_logger, topic, error);
        _state.Reject(topic, error, now);
        _events.Raise("verdict-rejected", $"reviewed verdict rejected: {error}");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1520, Level = LogLevel.Warning, Message = "Reviewed verdict on {Topic} rejected: {Error}")]
        public static partial void Refused(ILogger logger, string topic, string error);

        [LoggerMessage(EventId = 1521, Level = LogLevel.Information, Message = "Reviewed verdict recorded: {What} {Sequence} is {Verdict} ({Action} by {Reviewer}; verdict {Id})")]
        public static partial void Applied(ILogger logger, string what, long sequence, string verdict, string action, string reviewer, string id);

        [LoggerMessage(EventId = 1522, Level = LogLevel.Warning, Message = "Reviewed verdict {Id} names {What} {Sequence}, which this device does not hold (never seen here, or removed by retention); counted, nothing changed")]
        public static partial void Unknown(ILogger logger, string id, string what, long sequence);

        [LoggerMessage(EventId = 1523, Level = LogLevel.Debug, Message = "Reviewed verdict {Id} arrived again; it is recorded already")]
        public static partial void Redelivered(ILogger logger, string id);

        [LoggerMessage(EventId = 1524, Level = LogLevel.Information, Message = "Reviewed verdict {Id} for {What} {Sequence} is older than the review recorded; kept the later one")]
        public static partial void Superseded(ILogger logger, string id, string what, long sequence);

        [LoggerMessage(EventId = 1525, Level = LogLevel.Error, Message = "Reviewed verdict {Id} for {EscalationKey} could not be stored")]
        public static partial void StoreFailed(ILogger logger, string id, string escalationKey, Exception exception);
    }
}
