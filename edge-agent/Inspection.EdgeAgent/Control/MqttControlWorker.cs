using System.Buffers;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Ota;
using Inspection.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// The device's MQTT side, wired onto one <see cref="MqttSession"/> (which owns the connection: ping, reconnect,
/// re-subscribe). On every connect it announces itself online (the session carries the offline last will); desired
/// states go to the <see cref="DesiredStateHandler"/>, reviewed verdicts to the <see cref="ReviewVerdictHandler"/>; between checks it publishes events, OTA progress and the
/// reported state (on change and as heartbeat) and watches the outbox's health. The inspection loop never waits for it.
/// </summary>
public sealed partial class MqttControlWorker : BackgroundService
{
    private readonly MqttSession _session;
    private readonly DeviceState _state;
    private readonly OtaProgressFeed _ota;
    private readonly DeviceEvents _events;
    private readonly DesiredStateHandler _desired;
    private readonly ReviewVerdictHandler _verdicts;
    private readonly ReportedStatePublisher _reported;
    private readonly DeviceEventPublisher _eventPublisher;
    private readonly OtaProgressPublisher _otaPublisher;
    private readonly OutboxHealthMonitor _outboxHealth;
    private readonly string _deviceId;
    private readonly string _desiredTopic;
    private readonly string _verdictsTopic;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<MqttControlWorker> _logger;
    private bool _announcedStart;

    public MqttControlWorker(
        DeviceState state,
        ReportedStateBuilder reports,
        EdgeStats stats,
        OtaProgressFeed ota,
        DeviceEvents events,
        DesiredStateHandler desired,
        ReviewVerdictHandler verdicts,
        IOptions<MqttOptions> options,
        IOptions<ReportingOptions> reporting,
        IOptions<EdgeOptions> edge,
        TimeProvider timeProvider,
        ILogger<MqttControlWorker> logger)
    {
        _state = state;
        _ota = ota;
        _events = events;
        _desired = desired;
        _verdicts = verdicts;
        _deviceId = edge.Value.DeviceId;
        _desiredTopic = MqttTopics.Desired(_deviceId);
        _verdictsTopic = MqttTopics.Verdicts(_deviceId);
        _timeProvider = timeProvider;
        _logger = logger;
        _reported = new ReportedStatePublisher(reports, _deviceId, TimeSpan.FromSeconds(reporting.Value.IntervalSeconds), timeProvider);
        _eventPublisher = new DeviceEventPublisher(events, _deviceId);
        _otaPublisher = new OtaProgressPublisher(ota, _deviceId);
        _outboxHealth = new OutboxHealthMonitor(stats, events);

        var mqtt = options.Value;
        var settings = new MqttSessionSettings
        {
            Host = mqtt.Host,
            Port = mqtt.Port,
            ClientId = string.IsNullOrWhiteSpace(mqtt.ClientId) ? _deviceId : mqtt.ClientId,
            Username = mqtt.Username,
            Password = MqttCredentials.ResolvePassword(mqtt.Password, mqtt.PasswordFile, MqttOptions.SectionName),
            Tls = mqtt.Tls,
            KeepAlive = TimeSpan.FromSeconds(mqtt.KeepAliveSeconds),
            SessionExpirySeconds = (uint)mqtt.SessionExpirySeconds,
            ReconnectDelay = TimeSpan.FromSeconds(mqtt.ReconnectDelaySeconds),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Max(mqtt.ReconnectDelaySeconds, 5)),
            ShutdownTimeout = TimeSpan.FromSeconds(mqtt.ShutdownTimeoutSeconds),
            // Verdicts are not retained: the persistent session (clean start off, Mqtt:SessionExpirySeconds) queues
            // them while the device is away, as long as it subscribed once before.
            Subscriptions = [_desiredTopic, _verdictsTopic],
            LastWill = () => new MqttApplicationMessageBuilder()
                .WithTopic(MqttTopics.Status(_deviceId))
                .WithPayload(MqttPayloads.Serialize(Status(online: false, "last-will")))
                .WithRetainFlag(true)
                .Build(),
        };
        _session = new MqttSession(settings, OnMessage, OnConnectedAsync, timeProvider, logger);

        _state.Changed += RequestReport;
        _ota.Published += OnOtaProgress;
        _events.Raised += RequestReport;
    }

    /// <summary>Whether the client is connected to the broker now.</summary>
    public bool IsConnected => _session.IsConnected;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _session.StopAsync((MqttTopics.Status(_deviceId), MqttPayloads.Serialize(Status(online: false, "shutdown"))), cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _state.Changed -= RequestReport;
        _ota.Published -= OnOtaProgress;
        _events.Raised -= RequestReport;
        _session.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _session.RunAsync(StepAsync, stoppingToken);

    private async Task<TimeSpan> StepAsync(bool ready, CancellationToken cancellationToken)
    {
        _outboxHealth.Check();
        if (!ready)
        {
            // Offline, only the reconnect delay counts: a heartbeat that is due cannot be sent anyway.
            return TimeSpan.MaxValue;
        }

        try
        {
            await _eventPublisher.PublishPendingAsync(_session, cancellationToken).ConfigureAwait(false);
            await _otaPublisher.PublishPendingAsync(_session, cancellationToken).ConfigureAwait(false);
            return await _reported.PublishIfDueAsync(_session, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The connection dropped mid-publish; the next ping notices and reconnects.
            Log.PublishFailed(_logger, ex);
            return TimeSpan.MaxValue;
        }
    }

    private async Task OnConnectedAsync(CancellationToken cancellationToken)
    {
        await _session.PublishAsync(MqttTopics.Status(_deviceId), MqttPayloads.Serialize(Status(online: true, null)), retain: true, cancellationToken).ConfigureAwait(false);
        _reported.Request();
        if (!_announcedStart)
        {
            // The reported state has no field for it: the fleet learns the agent version from this event.
            _announcedStart = true;
            _events.Raise("started", $"edge agent {AgentVersion.Current} started");
        }
    }

    private void OnMessage(MqttApplicationMessage message)
    {
        // Only these topics are subscribed; anything else a misconfigured broker routes here is ignored.
        if (message.Topic == _desiredTopic)
        {
            _desired.Handle(message.Topic, message.Payload.ToArray());
        }
        else if (message.Topic == _verdictsTopic)
        {
            _verdicts.Handle(message.Topic, message.Payload.ToArray());
        }
    }

    private DeviceStatus Status(bool online, string? reason) =>
        new(MqttPayloads.SchemaVersion, _deviceId, online, _timeProvider.GetUtcNow(), reason);

    private void OnOtaProgress(OtaProgress progress) => RequestReport();

    private void RequestReport()
    {
        _reported.Request();
        _session.Wake();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "Publishing to the MQTT broker failed")]
        public static partial void PublishFailed(ILogger logger, Exception exception);
    }
}
