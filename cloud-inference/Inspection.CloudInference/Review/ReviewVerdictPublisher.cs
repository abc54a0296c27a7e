using System.Collections.Concurrent;
using System.Threading.Channels;
using Inspection.CloudInference.Fleet;
using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Delivers reviewed verdicts, signed with the control key, to each device's <c>verdicts</c> topic (QoS 1, not
/// retained) over the cloud's one MQTT session, at least once, confirmed by the device. A pending verdict is published
/// and marked sent when the broker acknowledges it; it is kept until the device's reported watermark
/// (<see cref="ReviewStats.ConfirmedThrough"/>) covers its number, and published again while it is not: every
/// <see cref="ReviewVerdictOptions.RetrySeconds"/> while the device is online, and at once when it comes (back) online.
/// A broker acknowledgement alone is not delivery: a broker drops a message for a device that has no session yet or
/// whose session it lost.
/// </summary>
public sealed partial class ReviewVerdictPublisher : BackgroundService
{
    private readonly ReviewVerdictStore _store;
    private readonly FleetConnection _connection;
    private readonly FleetRegistry _registry;
    private readonly DesiredStateSigner _signer;
    private readonly ReviewVerdictOptions _options;
    private readonly TimeSpan _retry;
    private readonly TimeProvider _time;
    private readonly ILogger<ReviewVerdictPublisher> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _pass = new(1, 1);

    // The watermark each device was last warned about, so a device ahead of the cloud is one warning, not one per pass.
    private readonly ConcurrentDictionary<string, long> _warnedAhead = new(StringComparer.Ordinal);
    private long _publishes;

    public ReviewVerdictPublisher(
        ReviewVerdictStore store,
        FleetConnection connection,
        FleetRegistry registry,
        DesiredStateSigner signer,
        IOptions<ReviewVerdictOptions> options,
        TimeProvider time,
        ILogger<ReviewVerdictPublisher> logger)
    {
        _store = store;
        _connection = connection;
        _registry = registry;
        _signer = signer;
        _options = options.Value;
        _retry = TimeSpan.FromSeconds(_options.RetrySeconds);
        _time = time;
        _logger = logger;
        _connection.Connected += Wake;
        _registry.DeviceUpdated += OnDeviceUpdated;
    }

    /// <summary>Verdict publishes tried since the cloud started, first sends and re-sends alike.</summary>
    public long Publishes => Interlocked.Read(ref _publishes);

    /// <summary>Asks for a pass now (a verdict was stored, the broker is back, a device reported).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// One pass: confirms what the devices reported holding, publishes pending verdicts oldest first (until the batch is
    /// done or the broker does not acknowledge one) and publishes again the sent ones that are due. Returns how many
    /// publishes the broker acknowledged.
    /// </summary>
    public async Task<int> PublishPendingAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            ConfirmReported(now);
            if (!_connection.IsConnected)
            {
                return 0;
            }

            var acknowledged = 0;
            foreach (var record in _store.Pending(_options.BatchSize))
            {
                if (!await PublishAsync(record, now, cancellationToken).ConfigureAwait(false))
                {
                    return acknowledged;
                }

                acknowledged++;
                Log.Sent(_logger, record.Id, record.Number, record.EscalationKey, record.Verdict, record.Reviewer);
            }

            foreach (var record in _store.Unconfirmed(_options.BatchSize))
            {
                if (!IsDue(record, _registry.ReviewDelivery(record.DeviceId), now))
                {
                    continue;
                }

                if (!await PublishAsync(record, now, cancellationToken).ConfigureAwait(false))
                {
                    return acknowledged;
                }

                acknowledged++;
                Log.Resent(_logger, record.Id, record.Number, record.DeviceId, record.Attempts + 1);
            }

            return acknowledged;
        }
        finally
        {
            _pass.Release();
        }
    }

    public override void Dispose()
    {
        _connection.Connected -= Wake;
        _registry.DeviceUpdated -= OnDeviceUpdated;
        _pass.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var unconfirmed = _store.CountUnconfirmed();
        if (unconfirmed > 0)
        {
            Log.UnconfirmedAtStart(_logger, unconfirmed);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PublishPendingAsync(stoppingToken).ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(_retry, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
                await _wake.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The retry interval passed: another pass.
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
            {
                Log.PassFailed(_logger, ex);
            }
        }
    }

    private void OnDeviceUpdated(string deviceId) => Wake();

    private async Task<bool> PublishAsync(ReviewVerdictRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var payload = _signer.Sign(ReviewVerdictStore.ToContract(record));
        Interlocked.Increment(ref _publishes);
        var acknowledged = await _connection.PublishAsync(MqttTopics.Verdicts(record.DeviceId), payload, retain: false, cancellationToken).ConfigureAwait(false);
        // The pass's start, not the acknowledgement's time: the next timed pass, a retry interval later, finds it due.
        _store.Published(record.Id, now, acknowledged);
        if (!acknowledged)
        {
            Log.NotAcknowledged(_logger, record.Id, record.DeviceId, record.Attempts + 1);
        }

        return acknowledged;
    }

    // A sent verdict goes out again only to a device that can take it now: online, and either silent about it for a
    // retry interval or newly (re)connected since the last publish (its session, and what the broker held, may be new).
    private bool IsDue(ReviewVerdictRecord record, DeviceReviewDelivery device, DateTimeOffset now)
    {
        if (!device.Online)
        {
            return false;
        }

        // An agent that predates the watermark can never confirm: for it the broker's acknowledgement is delivery, as before.
        if (device.ReportsReviews && device.ConfirmedThrough is null)
        {
            return false;
        }

        return record.LastPublishedAt is not { } last
            || now - last >= _retry
            || device.OnlineSince > last;
    }

    private void ConfirmReported(DateTimeOffset now)
    {
        foreach (var deviceId in _store.DevicesAwaitingConfirmation())
        {
            if (_registry.ReviewDelivery(deviceId).ConfirmedThrough is not { } watermark || watermark <= 0)
            {
                continue;
            }

            var issued = _store.Issued(deviceId);
            if (watermark > issued)
            {
                // The device holds numbers this cloud never issued (its database was replaced or restored): its
                // watermark says nothing about this cloud's verdicts, so they keep going out; the device dedups by id.
                if (_warnedAhead.TryGetValue(deviceId, out var warned) is false || warned != watermark)
                {
                    _warnedAhead[deviceId] = watermark;
                    Log.DeviceAhead(_logger, deviceId, watermark, issued);
                }

                continue;
            }

            var confirmed = _store.Confirm(deviceId, watermark, now);
            if (confirmed > 0)
            {
                Log.Confirmed(_logger, deviceId, confirmed, watermark);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2600, Level = LogLevel.Information, Message = "Reviewed verdict {Id} (number {Number}) sent to the line: {EscalationKey} is {Verdict} (by {Reviewer})")]
        public static partial void Sent(ILogger logger, string id, long number, string escalationKey, string verdict, string reviewer);

        [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "The broker did not acknowledge reviewed verdict {Id} for {DeviceId} (attempt {Attempt}); it is sent again when the broker is back")]
        public static partial void NotAcknowledged(ILogger logger, string id, string deviceId, int attempt);

        [LoggerMessage(EventId = 2602, Level = LogLevel.Information, Message = "{Count} reviewed verdicts are not confirmed by their devices yet; they are sent until they are")]
        public static partial void UnconfirmedAtStart(ILogger logger, int count);

        [LoggerMessage(EventId = 2603, Level = LogLevel.Error, Message = "Reading or marking reviewed verdicts failed; retrying at the next pass")]
        public static partial void PassFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2604, Level = LogLevel.Debug, Message = "Reviewed verdict {Id} (number {Number}) sent again to {DeviceId}: not confirmed yet (attempt {Attempt})")]
        public static partial void Resent(ILogger logger, string id, long number, string deviceId, int attempt);

        [LoggerMessage(EventId = 2605, Level = LogLevel.Information, Message = "{DeviceId} confirmed {Count} reviewed verdicts (it holds every one through number {Watermark})")]
        public static partial void Confirmed(ILogger logger, string deviceId, int count, long watermark);

        [LoggerMessage(EventId = 2606, Level = LogLevel.Warning, Message = "{DeviceId} reports holding reviewed verdicts through number {Watermark}, but this cloud issued it only {Issued} (its database was replaced or restored?); its watermark is not trusted and its verdicts keep being sent until the numbers pass it")]
        public static partial void DeviceAhead(ILogger logger, string deviceId, long watermark, long issued);
    }
}
