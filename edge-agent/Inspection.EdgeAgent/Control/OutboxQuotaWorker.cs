using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Keeps the outbox's policy running while no frame arrives: every <c>Outbox:ExpiryCheckSeconds</c> it evicts the
/// entries older than <c>Outbox:MaxAgeHours</c> (when set). Taking the eviction reporter and the near-quota monitor
/// makes the host build them, and so start them listening, before any hosted service writes to the outbox.
/// </summary>
public sealed partial class OutboxQuotaWorker : BackgroundService
{
    private readonly OutboxStore _outbox;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<OutboxQuotaWorker> _logger;

    public OutboxQuotaWorker(
        OutboxStore outbox,
        OutboxEvictionReporter reporter,
        OutboxPressureMonitor monitor,
        IOptions<OutboxOptions> options,
        TimeProvider timeProvider,
        ILogger<OutboxQuotaWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(reporter);
        ArgumentNullException.ThrowIfNull(monitor);
        _outbox = outbox;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.MaxAgeHours <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.ExpiryCheckSeconds), _timeProvider);
        do
        {
            try
            {
                _outbox.EvictExpired(_timeProvider.GetUtcNow());
            }
            catch (Exception ex) when (ex is LiteException or IOException)
            {
                // The next check tries again; meanwhile the quota still bounds the outbox on every insert.
                Log.ExpiryFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2120, Level = LogLevel.Error, Message = "Evicting expired outbox entries failed; tried again at the next check")]
        public static partial void ExpiryFailed(ILogger logger, Exception exception);
    }
}
