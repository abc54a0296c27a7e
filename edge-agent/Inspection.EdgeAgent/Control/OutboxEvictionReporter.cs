using System.Globalization;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Tells the fleet about every eviction pass of the outbox: counted in <see cref="EdgeStats"/> (the reported state's
/// <c>errors.outboxEvicted</c>), one log line and one <c>outbox-evicted</c> device event per pass with how many, why
/// and which sequences. (Each evicted frame's result records it too, in the same transaction as the eviction.)
/// Listens to the outbox from construction until disposed.
/// </summary>
public sealed partial class OutboxEvictionReporter : IDisposable
{
    private readonly OutboxStore _outbox;
    private readonly EdgeStats _stats;
    private readonly DeviceEvents _events;
    private readonly ILogger<OutboxEvictionReporter> _logger;

    public OutboxEvictionReporter(OutboxStore outbox, EdgeStats stats, DeviceEvents events, ILogger<OutboxEvictionReporter> logger)
    {
        _outbox = outbox;
        _stats = stats;
        _events = events;
        _logger = logger;
        _outbox.Evicted += Report;
    }

    public void Report(OutboxEviction eviction)
    {
        var reason = eviction.Reason.ToWire();
        _stats.OutboxEntriesEvicted(eviction.Count, eviction.Reason == OutboxEvictionReason.Expired);
        Log.Evicted(_logger, eviction.Count, reason, eviction.Policy, eviction.FirstSequence, eviction.LastSequence, eviction.Bytes, eviction.Usage.Share);
        _events.Raise(
            "outbox-evicted",
            string.Create(
                CultureInfo.InvariantCulture,
                $"{eviction.Count} uncertain frames left the outbox before the cloud stored them ({reason}, {eviction.Policy}): sequences {eviction.FirstSequence}-{eviction.LastSequence}, {eviction.Bytes / 1_048_576.0:0.#} MiB; outbox now {eviction.Usage.Share:P0} of its quota"));
    }

    public void Dispose() => _outbox.Evicted -= Report;

    private static partial class Log
    {
        [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "Evicted {Count} uncertain frames from the outbox before the cloud stored them ({Reason}, {Policy}): sequences {First}-{Last}, {Bytes} bytes; outbox now at {Share:P1} of its quota")]
        public static partial void Evicted(ILogger logger, int count, string reason, string policy, long first, long last, long bytes, double share);
    }
}
