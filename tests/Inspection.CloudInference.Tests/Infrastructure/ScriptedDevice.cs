using System.Buffers;
using System.Collections.Concurrent;
using Inspection.Contracts.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>How a <see cref="ScriptedDevice"/> answers a desired model.</summary>
public enum DeviceScript
{
    /// <summary>Goes through the update's steps and commits.</summary>
    Commit,

    /// <summary>Fails its golden set.</summary>
    FailGolden,

    /// <summary>Starts downloading and never reports again for that release.</summary>
    Hang,

    /// <summary>Commits, then escalates <see cref="ScriptedDevice.RegressFactor"/> times as often.</summary>
    Regress,
}

/// <summary>
/// A device on the broker that answers its desired state as a script says, at the speed of a test: status, retained
/// reported state with counters that grow (frames and escalations at its escalation rate), and ota/progress steps.
/// It answers a desired agent release as <see cref="AgentScript"/> says, reporting each step in its reported state's
/// agent update as the agent does. It checks the rollout controller's rules; the agent's own update code runs in the
/// fleet simulator's and the edge agent's tests.
/// </summary>
public sealed class ScriptedDevice : IAsyncDisposable
{
    /// <summary>The agent version every scripted device starts with.</summary>
    public const string StartingAgentVersion = "1.4.0";

    /// <summary>Why a <see cref="AgentScript.RollBack"/> device's new agent was rolled back.</summary>
    public const string RollBackReason = "the new agent inspected no frame within its 60 s health window";

    private const int FramesPerReport = 50;
    private readonly string _line;
    private readonly IReadOnlyList<string>? _tags;
    private readonly Lock _lock = new();
    private CancellationTokenSource _stop = new();
    private IMqttClient? _client;
    private Task? _reporting;
    private long _frames = 1000;
    private double _uncertain;
    private long _appliedVersion;
    private AgentUpdateReport? _agentUpdate;

    private ScriptedDevice(string id, string line, IReadOnlyList<string>? tags, DeviceScript script, double escalationRate)
    {
        Id = id;
        _line = line;
        _tags = tags;
        Script = script;
        EscalationRate = escalationRate;
        _uncertain = 1000 * escalationRate;
    }

    public string Id { get; }

    public DeviceScript Script { get; set; }

    public AgentScript AgentScript { get; set; }

    /// <summary>The agent version it runs.</summary>
    public string AgentVersion { get; private set; } = StartingAgentVersion;

    public double EscalationRate { get; private set; }

    public double RegressFactor { get; init; } = 5;

    /// <summary>The release it runs (null: its configured model).</summary>
    public long? Release { get; private set; }

    /// <summary>Every desired state it received, in order.</summary>
    public ConcurrentQueue<DesiredState> Desired { get; } = new();

    public static async Task<ScriptedDevice> StartAsync(
        int brokerPort, string id, DeviceScript script = DeviceScript.Commit, string line = "line-1", IReadOnlyList<string>? tags = null, double escalationRate = 0.05, AgentScript agent = AgentScript.Commit)
    {
        var device = new ScriptedDevice(id, line, tags, script, escalationRate) { AgentScript = agent };
        await device.ConnectAsync(brokerPort);
        return device;
    }

    /// <summary>Goes offline as a dead device would look: its status says offline (what its last will publishes), then it leaves.</summary>
    public async Task GoOfflineAsync()
    {
        await _stop.CancelAsync();
        if (_reporting is not null)
        {
            await _reporting;
        }

        if (_client is { } client)
        {
            // The broker may be gone already (the cloud stopped first).
            if (client.IsConnected)
            {
                try
                {
                    await PublishAsync(client, MqttTopics.Status(Id), MqttPayloads.Serialize(new DeviceStatus(MqttPayloads.SchemaVersion, Id, false, DateTimeOffset.UtcNow)));
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException)
                {
                }
            }

            await client.TryDisconnectAsync();
            client.Dispose();
            _client = null;
        }
    }

    public async Task ComeBackAsync(int brokerPort)
    {
        _stop.Dispose();
        _stop = new CancellationTokenSource();
        await ConnectAsync(brokerPort);
    }

    public async ValueTask DisposeAsync()
    {
        await GoOfflineAsync();
        _stop.Dispose();
    }

    private static Task PublishAsync(IMqttClient client, string topic, byte[] payload, bool retain = true) =>
        client.PublishBinaryAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, retain, CancellationToken.None);

    private async Task ConnectAsync(int brokerPort)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e => OnDesiredAsync(client, e.ApplicationMessage.Payload.ToArray());
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", brokerPort).WithClientId(Id).Build(), TestContext.Current.CancellationToken);
        await PublishAsync(client, MqttTopics.Status(Id), MqttPayloads.Serialize(new DeviceStatus(MqttPayloads.SchemaVersion, Id, true, DateTimeOffset.UtcNow)));
        await client.SubscribeAsync(MqttTopics.Desired(Id), MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);
        _client = client;
        await PublishReportedAsync(client);
        _reporting = Task.Run(() => ReportAsync(client, _stop.Token));
    }

    private async Task ReportAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(100, cancellationToken);
                lock (_lock)
                {
                    _frames += FramesPerReport;
                    _uncertain += FramesPerReport * EscalationRate;
                }

                await PublishReportedAsync(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker went away (the cloud stopped); the test decides what happens next.
        }
    }

    private Task PublishReportedAsync(IMqttClient client)
    {
        ReportedState state;
        lock (_lock)
        {
            state = new ReportedState(
                MqttPayloads.SchemaVersion,
                Id,
                _line,
                _appliedVersion,
                DegradationModes.Normal,
                DegradationModes.Normal,
                new ModelInfo("inspection-edge", "1.0.0", Release),
                "CPU",
                new PipelineStats(_frames, _frames - (long)_uncertain, 0, (long)_uncertain, 15, 0, 0, _frames),
                DateTimeOffset.UtcNow,
                Tags: _tags,
                AgentVersion: AgentVersion,
                AgentUpdate: _agentUpdate);
        }

        return client.IsConnected ? PublishAsync(client, MqttTopics.Reported(Id), MqttPayloads.Serialize(state)) : Task.CompletedTask;
    }

    private async Task OnDesiredAsync(IMqttClient client, byte[] payload)
    {
        if (!DesiredStateSignature.TryReadUnverified(payload, out var desired, out _))
        {
            return;
        }

        long? target;
        AgentTarget? agent = null;
        lock (_lock)
        {
            if (desired.Version <= _appliedVersion)
            {
                return;
            }

            _appliedVersion = desired.Version;
            target = desired.Rollback is { } rollback ? (rollback.From == Release ? rollback.To : Release) : desired.Model?.Release;
            if (desired.Rollback is not null)
            {
                // Back on the model it ran before: it escalates as it did then.
                Release = target;
                EscalationRate /= Script == DeviceScript.Regress ? RegressFactor : 1;
            }

            Desired.Enqueue(desired);

            // As the agent does: a release it runs, or whose update already ended, is not taken again.
            if (desired.Agent is { } wanted && wanted.Version != AgentVersion && _agentUpdate?.Version != wanted.Version)
            {
                agent = wanted;
            }
        }

        if (agent is not null)
        {
            await UpdateAgentAsync(client, agent.Version);
        }

        if (desired.Rollback is not null)
        {
            await PublishReportedAsync(client);
            return;
        }

        if (target is not { } release || release == Release)
        {
            await PublishReportedAsync(client);
            return;
        }

        await ProgressAsync(client, release, OtaStates.Queued);
        await ProgressAsync(client, release, OtaStates.Downloading);
        switch (Script)
        {
            case DeviceScript.Hang:
                return;
            case DeviceScript.FailGolden:
                await ProgressAsync(client, release, OtaStates.Validating);
                await ProgressAsync(client, release, OtaStates.Failed, "the golden set fails on this device: frame 2 lost its scratch");
                return;
        }

        await ProgressAsync(client, release, OtaStates.Shadowing);
        await ProgressAsync(client, release, OtaStates.Swapped);
        lock (_lock)
        {
            Release = release;
            if (Script == DeviceScript.Regress)
            {
                EscalationRate *= RegressFactor;
            }
        }

        await ProgressAsync(client, release, OtaStates.Committed, "committed");
        await PublishReportedAsync(client);
    }

    private async Task UpdateAgentAsync(IMqttClient client, string version)
    {
        var previous = AgentVersion;
        await AgentStepAsync(client, new AgentUpdateReport(version, AgentUpdateStates.Requested, DateTimeOffset.UtcNow, Previous: previous));
        switch (AgentScript)
        {
            case AgentScript.Refuse:
                await AgentStepAsync(client, new AgentUpdateReport(version, AgentUpdateStates.Refused, DateTimeOffset.UtcNow, $"agent {version} is not newer than {previous}", previous));
                return;
            case AgentScript.Hang:
                return;
        }

        await AgentStepAsync(client, new AgentUpdateReport(version, AgentUpdateStates.Probation, DateTimeOffset.UtcNow, Previous: previous));
        if (AgentScript == AgentScript.RollBack)
        {
            await AgentStepAsync(client, new AgentUpdateReport(version, AgentUpdateStates.RolledBack, DateTimeOffset.UtcNow, RollBackReason, previous));
            return;
        }

        lock (_lock)
        {
            AgentVersion = version;
        }

        await AgentStepAsync(client, new AgentUpdateReport(version, AgentUpdateStates.Committed, DateTimeOffset.UtcNow, "healthy", previous, 2.5));
    }

    private Task AgentStepAsync(IMqttClient client, AgentUpdateReport report)
    {
        lock (_lock)
        {
            _agentUpdate = report;
        }

        return PublishReportedAsync(client);
    }

    private Task ProgressAsync(IMqttClient client, long release, string state, string? reason = null) =>
        PublishAsync(
            client,
            MqttTopics.OtaProgress(Id),
            MqttPayloads.Serialize(new OtaProgress(MqttPayloads.SchemaVersion, Id, release, state, DateTimeOffset.UtcNow, Reason: reason)),
            retain: false);
}
