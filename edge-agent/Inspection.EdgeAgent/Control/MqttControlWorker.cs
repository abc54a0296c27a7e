using System.Buffers;
using System.Threading.Channels;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Ota;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// The device's MQTT side: announces itself online (with an offline last will), applies the desired state
/// the cloud publishes for it, and publishes its reported state on every change and as a heartbeat. It
/// checks the connection with a ping every few seconds and reconnects and re-subscribes after a broker
/// restart or a network cut; the inspection loop never waits for it.
/// </summary>
public sealed partial class MqttControlWorker : BackgroundService
{
    private readonly IMqttClient _client;
    private readonly DeviceState _state;
    private readonly DesiredStateVerifier _verifier;
    private readonly ReportedStateBuilder _reports;
    private readonly EdgeStats _stats;
    private readonly OtaProgressFeed _ota;
    private readonly MqttOptions _options;
    private readonly TimeSpan _reportInterval;
    private readonly string _deviceId;
    private readonly string _desiredTopic;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<MqttControlWorker> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly DeviceEvents _events;
    private int _reportRequested = 1;
    private int _failedAttempts;
    private bool _sessionReady;
    private bool _wasConnected;
    private bool _announcedStart;
    private long _outboxFailuresSeen;
    private long _outboxDroppedSeen;

    public MqttControlWorker(
        DeviceState state,
        DesiredStateVerifier verifier,
        ReportedStateBuilder reports,
        EdgeStats stats,
        OtaProgressFeed ota,
        DeviceEvents events,
        IOptions<MqttOptions> options,
        IOptions<ReportingOptions> reporting,
        IOptions<EdgeOptions> edge,
        TimeProvider timeProvider,
        ILogger<MqttControlWorker> logger)
    {
        _state = state;
        _verifier = verifier;
        _reports = reports;
        _stats = stats;
        _ota = ota;
        _events = events;
        _options = options.Value;
        _reportInterval = TimeSpan.FromSeconds(reporting.Value.IntervalSeconds);
        _deviceId = edge.Value.DeviceId;
        _desiredTopic = MqttTopics.Desired(_deviceId);
        _timeProvider = timeProvider;
        _logger = logger;

        _client = new MqttClientFactory().CreateMqttClient();

        // Before the first connect: a persistent session may deliver queued messages right away.
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        _state.Changed += RequestReport;
        _ota.Published += OnOtaProgress;
        _events.Raised += RequestReport;
    }

    /// <summary>Whether the client is connected to the broker now.</summary>
    public bool IsConnected => _client.IsConnected;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!_client.IsConnected)
        {
            return;
        }

        // Bounded: a broker that does not answer must not hold up the shutdown.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.ShutdownTimeoutSeconds), _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await PublishAsync(MqttTopics.Status(_deviceId), MqttPayloads.Serialize(Status(online: false, "shutdown")), retain: true, linked.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                linked.Token).ConfigureAwait(false);
            Log.Disconnected(_logger);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ShutdownAnnounceFailed(_logger, ex);
        }
    }

    public override void Dispose()
    {
        _state.Changed -= RequestReport;
        _ota.Published -= OnOtaProgress;
        _events.Raised -= RequestReport;
        _client.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        _client.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextHeartbeat = _timeProvider.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                CheckOutboxHealth();
                // Not just connected but announced and subscribed: a connect whose status publish or subscribe
                // failed would otherwise pass every ping while the device never hears its desired state.
                if (!_sessionReady || !await _client.TryPingAsync(stoppingToken).ConfigureAwait(false))
                {
                    await ConnectAsync(stoppingToken).ConfigureAwait(false);
                }

                if (_client.IsConnected)
                {
                    try
                    {
                        await PublishEventsAsync(stoppingToken).ConfigureAwait(false);
                        await PublishOtaProgressAsync(stoppingToken).ConfigureAwait(false);
                        var now = _timeProvider.GetUtcNow();
                        if (Interlocked.Exchange(ref _reportRequested, 0) == 1 || now >= nextHeartbeat)
                        {
                            await PublishAsync(MqttTopics.Reported(_deviceId), MqttPayloads.Serialize(_reports.Build()), retain: true, stoppingToken).ConfigureAwait(false);
                            nextHeartbeat = now + _reportInterval;
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The connection dropped mid-publish; the next ping notices and reconnects.
                        Interlocked.Exchange(ref _reportRequested, 1);
                        Log.PublishFailed(_logger, ex);
                    }
                }

                // Offline, only the reconnect delay counts: a heartbeat that is due cannot be sent anyway.
                var ping = TimeSpan.FromSeconds(_options.ReconnectDelaySeconds);
                var untilHeartbeat = nextHeartbeat - _timeProvider.GetUtcNow();
                await WaitForWorkAsync(_client.IsConnected && untilHeartbeat < ping ? untilHeartbeat : ping, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; StopAsync announces it.
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _sessionReady = false;
        if (_wasConnected)
        {
            Log.ConnectionLost(_logger, _options.Host, _options.Port);
            _wasConnected = false;
        }

        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            }

            var result = await _client.ConnectAsync(BuildClientOptions(), cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                Log.ConnectRefused(_logger, _options.Host, _options.Port, result.ResultCode.ToString(), result.ReasonString);
                return;
            }

            _wasConnected = true;
            Log.Connected(_logger, _options.Host, _options.Port, result.IsSessionPresent, _failedAttempts);
            _failedAttempts = 0;

            await PublishAsync(MqttTopics.Status(_deviceId), MqttPayloads.Serialize(Status(online: true, null)), retain: true, cancellationToken).ConfigureAwait(false);

            // Always subscribe again: after a broker restart the session may be gone even when it was persistent.
            var subscribe = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(_desiredTopic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .Build();
            await _client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _reportRequested, 1);
            _sessionReady = true;
            if (!_announcedStart)
            {
                // The reported state has no field for it: the fleet learns the agent version from this event.
                _announcedStart = true;
                _events.Raise("started", $"edge agent {AgentVersion.Current} started");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One warning per outage, not one per attempt: a broker down overnight must not flood the journal.
            if (_failedAttempts++ == 0)
            {
                Log.ConnectFailed(_logger, _options.Host, _options.Port, _options.ReconnectDelaySeconds, ex.Message);
            }
            else
            {
                Log.ConnectStillFailing(_logger, _options.Host, _options.Port, _failedAttempts, ex.Message);
            }
        }
    }

    private MqttClientOptions BuildClientOptions() =>
        new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(string.IsNullOrWhiteSpace(_options.ClientId) ? _deviceId : _options.ClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpirySeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(Math.Max(_options.ReconnectDelaySeconds, 5)))
            .WithWillTopic(MqttTopics.Status(_deviceId))
            .WithWillPayload(MqttPayloads.Serialize(Status(online: false, "last-will")))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

    private DeviceStatus Status(bool online, string? reason) =>
        new(MqttPayloads.SchemaVersion, _deviceId, online, _timeProvider.GetUtcNow(), reason);

    private Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken) =>
        _client.PublishAsync(
            new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithRetainFlag(retain)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(),
            cancellationToken);

    private async Task PublishEventsAsync(CancellationToken cancellationToken)
    {
        while (_events.TryPeek(out var deviceEvent))
        {
            await PublishAsync(MqttTopics.Events(_deviceId), MqttPayloads.Serialize(deviceEvent), retain: false, cancellationToken).ConfigureAwait(false);
            _events.Dequeue();
        }
    }

    private async Task PublishOtaProgressAsync(CancellationToken cancellationToken)
    {
        while (_ota.TryPeek(out var progress))
        {
            await PublishAsync(MqttTopics.OtaProgress(_deviceId), MqttPayloads.Serialize(progress), retain: false, cancellationToken).ConfigureAwait(false);
            _ota.Dequeue();
        }
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        // Never throw into MQTTnet, and never publish from here: the receive loop would wait on itself.
        try
        {
            var message = args.ApplicationMessage;
            if (message.Topic == _desiredTopic)
            {
                HandleDesired(message.Topic, message.Payload.ToArray());
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.MessageHandlingFailed(_logger, args.ApplicationMessage.Topic, ex);
        }

        return Task.CompletedTask;
    }

    private void HandleDesired(string topic, byte[] payload)
    {
        var now = _timeProvider.GetUtcNow();
        var check = _verifier.Check(payload, out var desired, out var error);
        if (check == DesiredStateCheck.Rejected)
        {
            Log.DesiredRejected(_logger, topic, error);
            _state.Reject(topic, error, now);
            _events.Raise("desired-rejected", $"desired state rejected: {error}");
            return;
        }

        var applied = _state.AppliedDesiredVersion;
        if (desired is null || _state.Apply(desired) == DesiredStateOutcome.Stale)
        {
            // The retained state again after a reconnect: not news, and not an attack either.
            Log.DesiredStale(_logger, applied);
            return;
        }

        Log.DesiredApplied(_logger, desired.Version, desired.Mode, _state.EffectiveMode.ToWire(), desired.IssuedBy ?? "unknown");
        var model = desired.Model is { } target ? $", model release {target.Release}" : string.Empty;
        _events.Raise("desired-applied", $"desired state {desired.Version} applied: mode {desired.Mode}{model}");
    }

    /// <summary>
    /// Outbox write failures are not part of the reported stats; they reach the fleet as events, one per
    /// check in which they grew.
    /// </summary>
    private void CheckOutboxHealth()
    {
        var failures = _stats.OutboxWriteFailures;
        var dropped = _stats.OutboxDropped;
        if (failures == _outboxFailuresSeen && dropped == _outboxDroppedSeen)
        {
            return;
        }

        _outboxFailuresSeen = failures;
        _outboxDroppedSeen = dropped;
        _events.Raise(
            "outbox-write-failed",
            $"the outbox could not be written {failures} times since start; {_stats.OutboxPendingRetry} uncertain frames wait in memory, {dropped} were given up");
    }

    private void OnOtaProgress(OtaProgress progress) => RequestReport();

    private void RequestReport()
    {
        Interlocked.Exchange(ref _reportRequested, 1);
        _wake.Writer.TryWrite(true);
    }

    private async Task WaitForWorkAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            using var timeout = new CancellationTokenSource(delay, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await _wake.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Timed out: time for a ping or a heartbeat.
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        while (_wake.Reader.TryRead(out _))
        {
            // Drain: one pass of the loop handles every request made so far.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Connected to the MQTT broker {Host}:{Port} (session present: {SessionPresent}; after {FailedAttempts} failed attempts)")]
        public static partial void Connected(ILogger logger, string host, int port, bool sessionPresent, int failedAttempts);

        [LoggerMessage(EventId = 1511, Level = LogLevel.Debug, Message = "Still cannot reach the MQTT broker {Host}:{Port} (attempt {Attempt}): {Reason}")]
        public static partial void ConnectStillFailing(ILogger logger, string host, int port, int attempt, string reason);

        [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Cannot reach the MQTT broker {Host}:{Port}; retrying every {DelaySeconds} s until it answers (further attempts are logged at Debug): {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string host, int port, int delaySeconds, string reason);

        [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "The MQTT broker {Host}:{Port} refused the connection: {ResultCode} {Reason}")]
        public static partial void ConnectRefused(ILogger logger, string host, int port, string resultCode, string? reason);

        [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Lost the connection to the MQTT broker {Host}:{Port}; reconnecting")]
        public static partial void ConnectionLost(ILogger logger, string host, int port);

        [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "Publishing to the MQTT broker failed")]
        public static partial void PublishFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1505, Level = LogLevel.Warning, Message = "Desired state on {Topic} rejected: {Error}; keeping the current mode")]
        public static partial void DesiredRejected(ILogger logger, string topic, string error);

        [LoggerMessage(EventId = 1506, Level = LogLevel.Debug, Message = "Desired state ignored: version {Applied} is already applied with the same content")]
        public static partial void DesiredStale(ILogger logger, long applied);

        [LoggerMessage(EventId = 1507, Level = LogLevel.Information, Message = "Desired state {Version} applied: commanded mode {Mode}, effective mode {Effective} (issued by {IssuedBy})")]
        public static partial void DesiredApplied(ILogger logger, long version, string mode, string effective, string issuedBy);

        [LoggerMessage(EventId = 1508, Level = LogLevel.Error, Message = "Handling an MQTT message on {Topic} failed")]
        public static partial void MessageHandlingFailed(ILogger logger, string topic, Exception exception);

        [LoggerMessage(EventId = 1509, Level = LogLevel.Warning, Message = "Could not announce the shutdown to the MQTT broker")]
        public static partial void ShutdownAnnounceFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Disconnected from the MQTT broker")]
        public static partial void Disconnected(ILogger logger);
    }
}
