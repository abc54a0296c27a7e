using System.Globalization;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Degrades the device to <c>safe</c> on its own (cause <c>outbox-near-quota</c>) while the outbox is near its quota:
/// frames may then be evicted before the cloud settles them, so nothing doubtful may pass on the edge's word alone.
/// Enters at <c>Outbox:NearQuotaEnterShare</c> of the quota (the larger of bytes and entries), leaves below
/// <c>Outbox:NearQuotaExitShare</c>, and raises a device event each way. Listens to the outbox from construction
/// (and judges its usage at once, so a restart with a full outbox starts safe) until disposed; thread-safe.
/// </summary>
public sealed partial class OutboxPressureMonitor : IDisposable
{
    private readonly OutboxStore _outbox;
    private readonly DeviceState _state;
    private readonly DeviceEvents _events;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<OutboxPressureMonitor> _logger;
    private readonly Lock _gate = new();

    public OutboxPressureMonitor(
        OutboxStore outbox,
        DeviceState state,
        DeviceEvents events,
        IOptions<OutboxOptions> options,
        TimeProvider timeProvider,
        ILogger<OutboxPressureMonitor> logger)
    {
        _outbox = outbox;
        _state = state;
        _events = events;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _outbox.UsageChanged += Evaluate;
        Evaluate(_outbox.Usage);
    }

    /// <summary>Enters or leaves the cause for <paramref name="usage"/>; between the two thresholds nothing changes.</summary>
    public void Evaluate(OutboxUsage usage)
    {
        var share = usage.Share;
        lock (_gate)
        {
            // Under the gate: two threads (pipeline and forwarder) must not enter and leave out of order.
            var active = _state.HasCause(DegradationCause.OutboxNearQuota);
            if (!active && share >= _options.NearQuotaEnterShare)
            {
                var reason = string.Create(
                    CultureInfo.InvariantCulture,
                    $"outbox near its quota: {share:P0} used ({usage.Entries} frames, {usage.Bytes / 1_048_576.0:0.#} MiB of {usage.MaxEntries} frames, {usage.MaxBytes / 1_048_576.0:0.#} MiB)");
                _state.SetCause(DegradationCause.OutboxNearQuota, DegradationMode.Safe, reason, _timeProvider.GetUtcNow());
                Log.Entered(_logger, share, _options.NearQuotaEnterShare);
                _events.Raise("degraded", $"{DegradationCause.OutboxNearQuota.ToWire()}: {reason}; uncertain frames count as defect until it drains below {_options.NearQuotaExitShare:P0}");
            }
            else if (active && share < _options.NearQuotaExitShare)
            {
                _state.ClearCause(DegradationCause.OutboxNearQuota);
                Log.Left(_logger, share, _options.NearQuotaExitShare);
                _events.Raise(
                    "recovered",
                    string.Create(CultureInfo.InvariantCulture, $"{DegradationCause.OutboxNearQuota.ToWire()}: outbox drained to {share:P0} of its quota"));
            }
        }
    }

    public void Dispose() => _outbox.UsageChanged -= Evaluate;

    private static partial class Log
    {
        [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Outbox at {Share:P1} of its quota (threshold {Threshold:P0}): the device turns safe so nothing doubtful passes while frames may be evicted")]
        public static partial void Entered(ILogger logger, double share, double threshold);

        [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Outbox drained to {Share:P1} of its quota (below {Threshold:P0}): the outbox no longer keeps the device safe")]
        public static partial void Left(ILogger logger, double share, double threshold);
    }
}
