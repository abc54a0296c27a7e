using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.Mqtt;

/// <summary>
/// The one owner of a client's connection to the broker, for the device and the cloud alike. MQTTnet v5 has no
/// managed client, so <see cref="RunAsync"/> is the loop: ping the broker every <see cref="MqttSessionSettings.ReconnectDelay"/>,
/// and when the connection is gone, connect again (clean start off, so the broker's persistent session keeps what was
/// queued), subscribe again (a broker that restarted may have lost the session) and hand over to the owner's
/// "on connected" step (announce, re-publish). An outage is logged once as a warning, not once per attempt.
/// Publishes are serialized, so two callers never interleave on the client.
/// </summary>
public sealed partial class MqttSession : IDisposable
{
    private readonly IMqttClient _client;
    private readonly MqttSessionSettings _settings;
    private readonly Func<CancellationToken, Task> _onConnected;
    private readonly Action<MqttApplicationMessage> _onMessage;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _publishGate = new(1, 1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _failedAttempts;
    private bool _wasConnected;
    private volatile bool _ready;

    /// <param name="settings">Broker, identity and subscriptions.</param>
    /// <param name="onMessage">
    /// Called on the client's receive loop for every message; it must not publish (the loop would wait on itself).
    /// Exceptions are logged, never thrown into MQTTnet.
    /// </param>
    /// <param name="onConnected">Called after every successful connect and subscribe, before the session counts as ready.</param>
    /// <param name="time">Clock for the loop's waits.</param>
    /// <param name="logger">Where connects, outages and refusals are logged (the owner's category).</param>
    public MqttSession(
        MqttSessionSettings settings,
        Action<MqttApplicationMessage> onMessage,
        Func<CancellationToken, Task> onConnected,
        TimeProvider time,
        ILogger logger)
    {
        _settings = settings;
        _onMessage = onMessage;
        _onConnected = onConnected;
        _time = time;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();

        // Before the first connect: a persistent session may deliver queued messages right away.
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
    }

    /// <summary>Whether the client is connected to the broker now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Connected, subscribed and past the owner's "on connected" step.</summary>
    public bool IsReady => _ready && _client.IsConnected;

    /// <summary>Cuts the current wait of <see cref="RunAsync"/> short, so the owner's step runs now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// Keeps the session up until cancelled. After every check, <paramref name="step"/> runs with whether the session
    /// is ready and returns how long it may wait before it wants to run again (capped by the ping interval).
    /// </summary>
    public async Task RunAsync(Func<bool, CancellationToken, Task<TimeSpan>> step, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Not just connected but subscribed and announced: a connect whose subscribe or announcement failed
                // would otherwise pass every ping while the client never hears its messages.
                if (!_ready || !await _client.TryPingAsync(cancellationToken).ConfigureAwait(false))
                {
                    await ConnectAsync(cancellationToken).ConfigureAwait(false);
                }

                var wanted = await step(IsReady, cancellationToken).ConfigureAwait(false);
                var wait = wanted < _settings.ReconnectDelay ? wanted : _settings.ReconnectDelay;
                await WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping; StopAsync says goodbye.
        }
    }

    /// <summary>
    /// Publishes at QoS 1. True when the broker acknowledged it; false when it is not connected or refused the
    /// message (e.g. an ACL denies the topic). Throws when the connection drops mid-publish.
    /// </summary>
    public async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _publishGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_client.IsConnected)
            {
                return false;
            }

            var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                Log.PublishRefused(_logger, topic, result.ReasonCode.ToString(), result.ReasonString);
            }

            return result.IsSuccess;
        }
        finally
        {
            _publishGate.Release();
        }
    }

    /// <summary>
    /// Publishes <paramref name="farewell"/> (e.g. a retained "offline, shutdown" status) and disconnects normally,
    /// so the broker does not fire the last will. Bounded by <see cref="MqttSessionSettings.ShutdownTimeout"/>: a
    /// broker that does not answer must not hold up a shutdown.
    /// </summary>
    public async Task StopAsync((string Topic, byte[] Payload)? farewell, CancellationToken cancellationToken)
    {
        _ready = false;
        if (!_client.IsConnected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_settings.ShutdownTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (farewell is { } message)
            {
                await PublishAsync(message.Topic, message.Payload, retain: true, linked.Token).ConfigureAwait(false);
            }

            await _client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                linked.Token).ConfigureAwait(false);
            Log.Disconnected(_logger, _settings.Host, _settings.Port);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ShutdownAnnounceFailed(_logger, ex);
        }
    }

    public void Dispose()
    {
        _client.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        _client.Dispose();
        _publishGate.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _ready = false;
        if (_wasConnected)
        {
            Log.ConnectionLost(_logger, _settings.Host, _settings.Port);
            _wasConnected = false;
        }

        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            }

            var result = await _client.ConnectAsync(MqttClientOptionsFactory.Create(_settings), cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MQTTnet.Exceptions.MqttCommunicationException($"refused: {result.ResultCode} {result.ReasonString}");
            }

            _wasConnected = true;
            Log.Connected(_logger, _settings.Host, _settings.Port, _settings.Username ?? "(anonymous)", result.IsSessionPresent, _failedAttempts);
            _failedAttempts = 0;

            if (_settings.Subscriptions.Count > 0)
            {
                var subscribe = new MqttClientSubscribeOptionsBuilder();
                foreach (var filter in _settings.Subscriptions)
                {
                    subscribe.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
                }

                var subscribed = await _client.SubscribeAsync(subscribe.Build(), cancellationToken).ConfigureAwait(false);
                foreach (var item in subscribed.Items)
                {
                    // A refused subscription is an identity or ACL mistake the broker will not fix by itself: say so,
                    // loudly, but keep the session (the other subscriptions work).
                    if ((int)item.ResultCode >= 0x80)
                    {
                        Log.SubscriptionRefused(_logger, item.TopicFilter.Topic, item.ResultCode.ToString());
                    }
                }
            }

            await _onConnected(cancellationToken).ConfigureAwait(false);
            _ready = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One warning per outage, not one per attempt: a broker down overnight must not flood the journal.
            var reason = ex.Message;
            if (_failedAttempts++ == 0)
            {
                Log.ConnectFailed(_logger, _settings.Host, _settings.Port, (int)_settings.ReconnectDelay.TotalSeconds, reason);
            }
            else
            {
                Log.ConnectStillFailing(_logger, _settings.Host, _settings.Port, _failedAttempts, reason);
            }
        }
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        try
        {
            _onMessage(args.ApplicationMessage);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.MessageHandlingFailed(_logger, args.ApplicationMessage.Topic, ex);
        }

        return Task.CompletedTask;
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            using var timeout = new CancellationTokenSource(delay, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await _wake.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Timed out: time for a ping or the owner's next step.
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        while (_wake.Reader.TryRead(out _))
        {
            // Drain: one pass of the loop handles every wake-up requested so far.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Connected to the MQTT broker {Host}:{Port} as {User} (session present: {SessionPresent}; after {FailedAttempts} failed attempts)")]
        public static partial void Connected(ILogger logger, string host, int port, string user, bool sessionPresent, int failedAttempts);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Cannot connect to the MQTT broker {Host}:{Port}; retrying every {DelaySeconds} s until it answers (further attempts are logged at Debug): {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string host, int port, int delaySeconds, string reason);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Still cannot connect to the MQTT broker {Host}:{Port} (attempt {Attempt}): {Reason}")]
        public static partial void ConnectStillFailing(ILogger logger, string host, int port, int attempt, string reason);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Lost the connection to the MQTT broker {Host}:{Port}; reconnecting")]
        public static partial void ConnectionLost(ILogger logger, string host, int port);

        [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "The MQTT broker refused the subscription to {Topic} ({ResultCode}): check this client's user name and the broker's ACL")]
        public static partial void SubscriptionRefused(ILogger logger, string topic, string resultCode);

        [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "The MQTT broker refused a message on {Topic} ({ReasonCode} {Reason}): check this client's user name and the broker's ACL")]
        public static partial void PublishRefused(ILogger logger, string topic, string reasonCode, string? reason);

        [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "Handling an MQTT message on {Topic} failed")]
        public static partial void MessageHandlingFailed(ILogger logger, string topic, Exception exception);

        [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Could not say goodbye to the MQTT broker")]
        public static partial void ShutdownAnnounceFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Disconnected from the MQTT broker {Host}:{Port}")]
        public static partial void Disconnected(ILogger logger, string host, int port);
    }
}
