using System.Buffers;
using Inspection.Contracts.Mqtt;
using Inspection.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// The cloud's MQTT side, on one <see cref="MqttSession"/>. Subscribes to every device's reported state, status,
/// events and OTA progress and feeds them to the <see cref="FleetRegistry"/>; publishes desired states. On every
/// (re)connect it re-publishes every stored desired state, which restores them on a broker that lost its retained
/// messages, like the embedded one after a restart.
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

    private readonly MqttSession _session;
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
        var mqtt = options.Value;
        _registry = registry;
        _desired = desired;
        _signer = signer;
        _time = time;
        _logger = logger;
        var settings = new MqttSessionSettings
        {
            Host = mqtt.Host,
            Port = mqtt.Port,
            ClientId = mqtt.ClientId,
            Username = mqtt.Username,
            Password = MqttCredentials.ResolvePassword(mqtt.Password, mqtt.PasswordFile, MqttOptions.SectionName),
            Tls = mqtt.Tls,
            SessionExpirySeconds = (uint)mqtt.SessionExpirySeconds,
            ReconnectDelay = TimeSpan.FromSeconds(mqtt.ReconnectSeconds),
            Subscriptions = Subscriptions,
        };
        _session = new MqttSession(settings, OnMessage, RepublishAllAsync, time, logger);
    }

    public bool IsConnected => _session.IsConnected;

    /// <summary>
    /// Raised after every (re)connect, once the stored desired states are re-published, on the session's loop: whoever
    /// keeps messages of its own for the broker (reviewed verdicts) sends them now. Handlers must not block.
    /// </summary>
    public event Action? Connected;

    /// <summary>
    /// Publishes <paramref name="payload"/> on <paramref name="topic"/> at QoS 1. True when the broker acknowledged it;
    /// false when it is unreachable, refused it or the connection dropped mid-publish (the caller keeps it and retries).
    /// </summary>
    public async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        try
        {
            return _session.IsConnected && await _session.PublishAsync(topic, payload, retain, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.TopicPublishFailed(_logger, topic, ex);
            return false;
        }
    }

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
            if (!_session.IsConnected || _desired.Find(deviceId) is not { } state)
            {
                return false;
            }

            // Signed every time from the stored state: the same version always carries the same state bytes, so a
            // device takes a republished one for the retained message it already applied, not for a replay.
            return await _session.PublishAsync(MqttTopics.Desired(deviceId), _signer.Sign(state), retain: true, cancellationToken).ConfigureAwait(false);
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
        _session.Dispose();
        _publishGate.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _session.RunAsync(
            (ready, _) =>
            {
                // Ready only once subscribed and re-published: "connected" promises every stored desired state is on the broker.
                _registry.BrokerConnected = ready;
                return Task.FromResult(TimeSpan.MaxValue);
            },
            stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _session.StopAsync(farewell: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task RepublishAllAsync(CancellationToken cancellationToken)
    {
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

        Connected?.Invoke();
    }

    private void OnMessage(MqttApplicationMessage message)
    {
        var payload = message.Payload;
        var receivedAt = _time.GetUtcNow();
        if (payload.IsSingleSegment)
        {
            _registry.Apply(message.Topic, payload.FirstSpan, receivedAt);
        }
        else
        {
            _registry.Apply(message.Topic, payload.ToArray(), receivedAt);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Re-published the desired state of {Count} devices")]
        public static partial void Republished(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing on {Topic} failed; kept for the next attempt")]
        public static partial void TopicPublishFailed(ILogger logger, string topic, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the desired state of {DeviceId} failed")]
        public static partial void PublishFailed(ILogger logger, string deviceId, Exception exception);
    }
}
