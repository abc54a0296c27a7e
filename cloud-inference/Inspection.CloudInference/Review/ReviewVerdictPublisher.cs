using System.Threading.Channels;
using Inspection.CloudInference.Fleet;
using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Publishes pending reviewed verdicts, signed with the control key, to each device's <c>verdicts</c> topic (QoS 1, not
/// retained) over the cloud's one MQTT session, and marks each sent when the broker acknowledged it. Runs when a
/// verdict is stored, after every reconnect and every <see cref="ReviewVerdictOptions.RetrySeconds"/>, so a verdict
/// stored while the broker is down goes out when it is back. The broker's persistent session of the device holds it
/// while the device is offline.
/// </summary>
public sealed partial class ReviewVerdictPublisher : BackgroundService
{
    private readonly ReviewVerdictStore _store;
    private readonly FleetConnection _connection;
    private readonly DesiredStateSigner _signer;
    private readonly ReviewVerdictOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ReviewVerdictPublisher> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _pass = new(1, 1);

    public ReviewVerdictPublisher(
        ReviewVerdictStore store,
        FleetConnection connection,
        DesiredStateSigner signer,
        IOptions<ReviewVerdictOptions> options,
        TimeProvider time,
        ILogger<ReviewVerdictPublisher> logger)
    {
        _store = store;
        _connection = connection;
        _signer = signer;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _connection.Connected += Wake;
    }

    /// <summary>Asks for a pass now (a verdict was stored, the broker is back).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// Publishes pending verdicts, oldest first, until none is left, the batch is done or the broker does not
    /// acknowledge one (the rest wait for the next pass). Returns how many the broker acknowledged.
    /// </summary>
    public async Task<int> PublishPendingAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = 0;
            if (!_connection.IsConnected)
            {
                return sent;
            }

            foreach (var record in _store.Pending(_options.BatchSize))
            {
                var payload = _signer.Sign(ReviewVerdictStore.ToContract(record));
                var acknowledged = await _connection.PublishAsync(MqttTopics.Verdicts(record.DeviceId), payload, retain: false, cancellationToken).ConfigureAwait(false);
                _store.Published(record.Id, acknowledged ? _time.GetUtcNow() : null);
                if (!acknowledged)
                {
                    Log.NotAcknowledged(_logger, record.Id, record.DeviceId, record.Attempts + 1);
                    break;
                }

                sent++;
                Log.Sent(_logger, record.Id, record.EscalationKey, record.Verdict, record.Reviewer);
            }

            return sent;
        }
        finally
        {
            _pass.Release();
        }
    }

    public override void Dispose()
    {
        _connection.Connected -= Wake;
        _pass.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = _store.CountPending();
        if (pending > 0)
        {
            Log.PendingAtStart(_logger, pending);
        }

        var retry = TimeSpan.FromSeconds(_options.RetrySeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PublishPendingAsync(stoppingToken).ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(retry, _time);
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 2600, Level = LogLevel.Information, Message = "Reviewed verdict {Id} sent to the line: {EscalationKey} is {Verdict} (by {Reviewer})")]
        public static partial void Sent(ILogger logger, string id, string escalationKey, string verdict, string reviewer);

        [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "The broker did not acknowledge reviewed verdict {Id} for {DeviceId} (attempt {Attempt}); it stays pending and is sent again when the broker is back")]
        public static partial void NotAcknowledged(ILogger logger, string id, string deviceId, int attempt);

        [LoggerMessage(EventId = 2602, Level = LogLevel.Information, Message = "{Count} reviewed verdicts are still to be sent to their devices")]
        public static partial void PendingAtStart(ILogger logger, int count);

        [LoggerMessage(EventId = 2603, Level = LogLevel.Error, Message = "Reading or marking pending reviewed verdicts failed; retrying at the next pass")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
