using System.Buffers;
using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// The cloud's MQTT client. Subscribes to every device's reported state, status and events and feeds
/// them to the <see cref="FleetRegistry"/>; publishes desired states. MQTTnet v5 has no managed
/// client, so this loop pings the broker and, when the connection is gone, reconnects, re-subscribes
/// and re-publishes every stored desired state (which restores them on a broker that lost its
/// retained messages, like the embedded one after a restart).
/// </summary>
public sealed partial class FleetConnection : BackgroundService
{
    private static readonly string[] Subscriptions =
    [
        MqttTopics.AllDevices(MqttTopics.ReportedSuffix),
        MqttTopics.AllDevices(MqttTopics.StatusSuffix),
        MqttTopics.AllDevices(MqttTopics.EventsSuffix),
        MqttTopics.AllDevices(MqttTopics.OtaProgressSuffix),
    ];

    private int _failedAttempts;
    private readonly IMqttClient _client;
    private readonly MqttClientFactory _factory = new();
    private readonly MqttOptions _options;
    private readonly FleetRegistry _registry;
    private readonly DesiredStateStore _desired;
    private readonly DesiredStateSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetConnection> _logger;
    private readonly SemaphoreSlim _publishGate = new(1, 1);

    public FleetConnection(
        IOptions<MqttOptions> options,
        FleetRegistry registry,
        DesiredStateStore desired,
        DesiredStateSigner signer,
        TimeProvider time,
        ILogger<FleetConnection> logger)
    {
        _options = options.Value;
        _registry = registry;
        _desired = desired;
        _signer = signer;
        _time = time;
        _logger = logger;
        _client = _factory.CreateMqttClient();

        // Attached before the first connect, so retained messages delivered on subscribe are not missed.
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// Publishes the latest stored desired state of a device, signed with the control key, retained, QoS 1. False when the broker
    /// is unreachable (the state stays stored and goes out on the next connect).
    /// </summary>
    /// <remarks>
    /// Publishes are serialized and each reads the store under the gate, so two commands racing for
    /// the same device can never leave an older version as the retained one.
    /// </remarks>
    public async Task<bool> PublishLatestDesiredAsync(string deviceId, CancellationToken cancellationToken)
    {
        await _publishGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_client.IsConnected || _desired.Find(deviceId) is not { } state)
            {
                return false;
            }

            var message = new MqttApplicationMessageBuilder()
                .WithTopic(MqttTopics.Desired(deviceId))
                // Signed every time from the stored state: the same version always carries the same state bytes, so a
                // device takes a republished one for the retained message it already applied, not for a replay.
                .WithPayload(_signer.Sign(state))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .Build();
            var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            return result.IsSuccess;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.PublishFailed(_logger, deviceId, ex);
            return false;
        }
        finally
        {
            _publishGate.Release();
        }
    }

    public override void Dispose()
    {
        _client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        _client.Dispose();
        _publishGate.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(_options.ReconnectSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            // BrokerConnected is set only once subscribed and re-published: a connect that failed half-way is
            // retried rather than left connected but deaf.
            if (!_registry.BrokerConnected || !await _client.TryPingAsync(stoppingToken).ConfigureAwait(false))
            {
                _registry.BrokerConnected = false;
                await ConnectAsync(stoppingToken).ConfigureAwait(false);
            }

            await Task.Delay(interval, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_client.IsConnected)
        {
            await _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "cloud stopping").ConfigureAwait(false);
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpirySeconds)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder.WithCredentials(_options.Username, _options.Password);
        }

        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            }

            await _client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);

            var subscribe = _factory.CreateSubscribeOptionsBuilder();
            foreach (var filter in Subscriptions)
            {
                subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await _client.SubscribeAsync(subscribe.Build(), cancellationToken).ConfigureAwait(false);
            Log.Connected(_logger, _options.Host, _options.Port, _failedAttempts);
            _failedAttempts = 0;

            var republished = 0;
            foreach (var deviceId in _desired.All().Keys)
            {
                if (await PublishLatestDesiredAsync(deviceId, cancellationToken).ConfigureAwait(false))
                {
                    republished++;
                }
            }

            if (republished > 0)
            {
                Log.Republished(_logger, republished);
            }

            // Only now: "connected" promises that every stored desired state is on the broker again.
            _registry.BrokerConnected = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One warning per outage, not one per attempt.
            if (_failedAttempts++ == 0)
            {
                Log.ConnectFailed(_logger, _options.Host, _options.Port, _options.ReconnectSeconds, ex.Message);
            }
            else
            {
                Log.ConnectStillFailing(_logger, _options.Host, _options.Port, _failedAttempts, ex.Message);
            }
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        try
        {
            var payload = args.ApplicationMessage.Payload;
            var receivedAt = _time.GetUtcNow();
            if (payload.IsSingleSegment)
            {
                _registry.Apply(args.ApplicationMessage.Topic, payload.FirstSpan, receivedAt);
            }
            else
            {
                _registry.Apply(args.ApplicationMessage.Topic, payload.ToArray(), receivedAt);
            }
        }
        catch (Exception ex)
        {
            // The registry never throws by design; this guards the client's receive loop regardless.
            Log.HandlerFailed(_logger, args.ApplicationMessage.Topic, ex);
        }

        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Fleet view connected to the MQTT broker at {Host}:{Port} (after {FailedAttempts} failed attempts)")]
        public static partial void Connected(ILogger logger, string host, int port, int failedAttempts);

        [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker at {Host}:{Port} unreachable, retrying every {Seconds} s until it answers (further attempts are logged at Debug): {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string host, int port, int seconds, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT broker at {Host}:{Port} still unreachable (attempt {Attempt}): {Reason}")]
        public static partial void ConnectStillFailing(ILogger logger, string host, int port, int attempt, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Re-published the desired state of {Count} devices")]
        public static partial void Republished(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the desired state of {DeviceId} failed")]
        public static partial void PublishFailed(ILogger logger, string deviceId, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "Handling a message on {Topic} failed")]
        public static partial void HandlerFailed(ILogger logger, string topic, Exception exception);
    }
}
