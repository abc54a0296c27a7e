using Inspection.CloudInference.AgentReleases;
using Inspection.CloudInference.Models;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// Commands devices through their desired state: every change gets the next per-device version,
/// is stored first (so it survives a restart and is re-published on reconnect) and then published
/// retained with QoS 1.
/// </summary>
public sealed partial class FleetCommands
{
    private readonly DesiredStateStore _store;
    private readonly ModelRegistry _registry;
    private readonly AgentReleaseStore _agents;
    private readonly FleetConnection _connection;
    private readonly FleetRegistry _fleet;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetCommands> _logger;

    public FleetCommands(
        DesiredStateStore store,
        ModelRegistry registry,
        AgentReleaseStore agents,
        FleetConnection connection,
        FleetRegistry fleet,
        TimeProvider time,
        ILogger<FleetCommands> logger)
    {
        _store = store;
        _registry = registry;
        _agents = agents;
        _connection = connection;
        _fleet = fleet;
        _time = time;
        _logger = logger;
    }

    /// <summary>An error message for an invalid command, or null when it is valid.</summary>
    public static string? Validate(string? deviceId, string? mode) =>
        !MqttTopics.IsValidDeviceId(deviceId) ? $"device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'"
        : string.IsNullOrEmpty(mode) ? $"mode is required: one of {string.Join(", ", DegradationModes.All)}"
        : !DegradationModes.TryParse(mode, out _) ? $"unknown mode '{mode}': use one of {string.Join(", ", DegradationModes.All)}"
        : null;

    /// <summary>Commands a device into <paramref name="mode"/> (<c>normal</c> or <c>local-only</c>).</summary>
    /// <exception cref="ArgumentException">The device id or the mode is not valid.</exception>
    public async Task<SetModeResult> SetModeAsync(string deviceId, string mode, string issuedBy, CancellationToken cancellationToken)
    {
        if (Validate(deviceId, mode) is { } error)
        {
            throw new ArgumentException(error);
        }

        var state = _store.Issue(deviceId, mode, string.IsNullOrWhiteSpace(issuedBy) ? "unknown" : issuedBy, _time.GetUtcNow(), _fleet.AppliedDesiredVersion(deviceId));
        var published = await _connection.PublishLatestDesiredAsync(deviceId, cancellationToken).ConfigureAwait(false);
        Log.ModeSet(_logger, deviceId, mode, state.Version, state.IssuedBy ?? "unknown", published);
        return new SetModeResult(state, published);
    }

    /// <summary>
    /// Points a device at a registered release: the desired state gains a model target the device converges to (and
    /// keeps its mode). <paramref name="issuedBy"/> is the signed-in account that asks; <paramref name="baseUrl"/> is where
    /// devices reach this service's registry.
    /// </summary>
    /// <exception cref="ArgumentException">The device id or the overrides are not valid.</exception>
    /// <exception cref="KeyNotFoundException">The release is not registered.</exception>
    public async Task<SetModeResult> SetModelAsync(string deviceId, SetModelRequest request, string issuedBy, Uri baseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            throw new ArgumentException($"device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'");
        }

        if (request.Release is not { } release)
        {
            throw new ArgumentException("release is required: a registered release (GET /api/models)");
        }

        var target = _registry.TargetFor(release, baseUrl, request.ShadowFrames, request.MinAgreement, request.HealthFrames)
            ?? throw new KeyNotFoundException($"release {release} is not registered");
        issuedBy = string.IsNullOrWhiteSpace(issuedBy) ? "unknown" : issuedBy;
        var payload = MqttPayloads.Serialize(new DesiredState(MqttPayloads.SchemaVersion, 1, DegradationModes.Normal, Model: target));
        if (!MqttPayloads.TryParseDesired(payload, out _, out var invalid))
        {
            throw new ArgumentException(invalid);
        }

        var state = _store.IssueModel(deviceId, target, issuedBy, _time.GetUtcNow(), _fleet.AppliedDesiredVersion(deviceId));
        var published = await _connection.PublishLatestDesiredAsync(deviceId, cancellationToken).ConfigureAwait(false);
        Log.ModelSet(_logger, deviceId, target.Name, target.Version, release, state.Version, issuedBy, published);
        return new SetModeResult(state, published);
    }

    /// <summary>
    /// Sets a device's desired model and rollback as a rollout decides them (null model: none; null rollback: none),
    /// stored first, then published. Returns whether the broker took it (a device not reached now gets it when the
    /// connection republishes, or on its next connect: the state is retained).
    /// </summary>
    public async Task<bool> DirectModelAsync(string deviceId, ModelTarget? model, ModelRollback? rollback, string issuedBy, CancellationToken cancellationToken)
    {
        var state = _store.IssueModel(deviceId, model, rollback, issuedBy, _time.GetUtcNow(), _fleet.AppliedDesiredVersion(deviceId));
        var published = await _connection.PublishLatestDesiredAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var target = model is null ? "none (its configured model)" : $"release {model.Release.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        if (rollback is null)
        {
            Log.ModelDirected(_logger, deviceId, target, state.Version, issuedBy, published);
        }
        else
        {
            Log.RollbackDirected(_logger, deviceId, rollback.From, target, state.Version, issuedBy, published);
        }

        return published;
    }

    /// <summary>
    /// Points a device at a registered agent release: the desired state gains an agent target (keeping its mode and
    /// model), which the device downloads, verifies, installs beside the running release and keeps only when healthy;
    /// the outcome arrives in its reported state. <paramref name="baseUrl"/> is where devices reach this service.
    /// </summary>
    /// <exception cref="ArgumentException">The device id or the version is not valid.</exception>
    /// <exception cref="KeyNotFoundException">The version is not registered.</exception>
    public async Task<SetModeResult> SetAgentAsync(string deviceId, SetAgentRequest request, string issuedBy, Uri baseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            throw new ArgumentException($"device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'");
        }

        if (string.IsNullOrWhiteSpace(request.Version))
        {
            throw new ArgumentException("version is required: a registered agent release (GET /api/agent-releases)");
        }

        var target = _agents.TargetFor(request.Version, baseUrl)
            ?? throw new KeyNotFoundException($"agent release {request.Version} is not registered (GET /api/agent-releases)");
        var payload = MqttPayloads.Serialize(new DesiredState(MqttPayloads.SchemaVersion, 1, DegradationModes.Normal, Agent: target));
        if (!MqttPayloads.TryParseDesired(payload, out _, out var invalid))
        {
            // A public address devices cannot use (Cloud:Models:PublicBaseUrl): said before any device is told.
            throw new ArgumentException(invalid);
        }

        issuedBy = string.IsNullOrWhiteSpace(issuedBy) ? "unknown" : issuedBy;
        return await IssueAgentAsync(deviceId, target, issuedBy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets a device's desired agent release (null: none, it keeps the agent it runs), stored first, then published.
    /// Returns whether the broker took it.
    /// </summary>
    public async Task<bool> DirectAgentAsync(string deviceId, AgentTarget? agent, string issuedBy, CancellationToken cancellationToken) =>
        (await IssueAgentAsync(deviceId, agent, issuedBy, cancellationToken).ConfigureAwait(false)).Published;

    private async Task<SetModeResult> IssueAgentAsync(string deviceId, AgentTarget? agent, string issuedBy, CancellationToken cancellationToken)
    {
        var state = _store.IssueAgent(deviceId, agent, issuedBy, _time.GetUtcNow(), _fleet.AppliedDesiredVersion(deviceId));
        var published = await _connection.PublishLatestDesiredAsync(deviceId, cancellationToken).ConfigureAwait(false);
        Log.AgentDirected(_logger, deviceId, agent is null ? "none (the agent it runs)" : agent.Version, state.Version, issuedBy, published);
        return new SetModeResult(state, published);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Desired agent of {DeviceId} set to {Target} (desired version {Version}, by {IssuedBy}); published: {Published}")]
        public static partial void AgentDirected(ILogger logger, string deviceId, string target, long version, string issuedBy, bool published);

        [LoggerMessage(Level = LogLevel.Information, Message = "Desired model of {DeviceId} set to {Target} (desired version {Version}, by {IssuedBy}); published: {Published}")]
        public static partial void ModelDirected(ILogger logger, string deviceId, string target, long version, string issuedBy, bool published);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{DeviceId} sent back from release {From} to {Target} (desired version {Version}, by {IssuedBy}); published: {Published}")]
        public static partial void RollbackDirected(ILogger logger, string deviceId, long from, string target, long version, string issuedBy, bool published);

        [LoggerMessage(Level = LogLevel.Information, Message = "Desired model of {DeviceId} set to {Name} {ModelVersion} (release {Release}; desired version {Version}, by {IssuedBy}); published: {Published}")]
        public static partial void ModelSet(ILogger logger, string deviceId, string name, string modelVersion, long release, long version, string issuedBy, bool published);

        [LoggerMessage(Level = LogLevel.Information, Message = "Desired mode of {DeviceId} set to {Mode} (version {Version}, by {IssuedBy}); published: {Published}")]
        public static partial void ModeSet(ILogger logger, string deviceId, string mode, long version, string issuedBy, bool published);
    }
}
