using System.Threading.Channels;
using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Runs the outbox's policy off the frame path. When an insert finds the outbox at its quota
/// (<see cref="OutboxStore.QuotaReached"/>), and once at start, it evicts down to <c>Outbox:EvictToShare</c> of the
/// quota in small transactions, so the line's insert evicts only the entry it needs and never waits for a whole pass.
/// Every <c>Outbox:ExpiryCheckSeconds</c> it evicts the entries older than <c>Outbox:MaxAgeHours</c> (when set).
/// Taking the eviction reporter and the near-quota monitor makes the host build them, and so start them listening,
/// before any hosted service writes to the outbox.
/// </summary>
public sealed partial class OutboxQuotaWorker : BackgroundService
{
    private readonly OutboxStore _outbox;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<OutboxQuotaWorker> _logger;

    // One pending wake-up is enough: a pass evicts down to the share whatever the number of inserts that asked.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

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
        _outbox.QuotaReached += Wake;
    }

    public override void Dispose()
    {
        _outbox.QuotaReached -= Wake;
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(EvictToShareAsync(stoppingToken), EvictExpiredAsync(stoppingToken));

    // Called on the frame's thread: never blocks, never throws.
    private void Wake(OutboxUsage usage) => _wake.Writer.TryWrite(true);

    private async Task EvictToShareAsync(CancellationToken stoppingToken)
    {
        // Off the host's start: an outbox left full by the last run is brought down here, not in StartAsync.
        await Task.Yield();
        do
        {
            _wake.Reader.TryRead(out _);
            try
            {
                _outbox.EvictToShare();
            }
            catch (Exception ex) when (ex is LiteException or IOException)
            {
                // The next full insert wakes us again; meanwhile each insert still evicts what it needs.
                Log.EvictToShareFailed(_logger, ex);
            }
        }
        while (await _wake.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task EvictExpiredAsync(CancellationToken stoppingToken)
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

        [LoggerMessage(EventId = 2121, Level = LogLevel.Error, Message = "Evicting the full outbox down to Outbox:EvictToShare failed; tried again at the next full insert, which meanwhile evicts what it needs")]
        public static partial void EvictToShareFailed(ILogger logger, Exception exception);
    }
}
