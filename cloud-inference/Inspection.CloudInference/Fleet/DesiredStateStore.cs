using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;
using System.Text.Json;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// Per-device desired state with its version, persisted so versions keep growing across restarts
/// (a device ignores a desired state whose version it has already applied). Versions are issued by compare-and-set on
/// the stored version (<see cref="IDesiredStateTable"/>), so replicas issuing for one device at once never issue the
/// same version twice nor go backwards.
/// </summary>
public sealed class DesiredStateStore
{
    private readonly IDesiredStateTable _desired;

    public DesiredStateStore(CloudDatabase database)
        : this(new LiteDbDesiredStateTable(database))
    {
    }

    public DesiredStateStore(IDesiredStateTable table)
    {
        _desired = table;
    }

    /// <summary>
    /// Issues the next version for a device with <paramref name="mode"/>, keeping its model target, rollback and agent target. The
    /// version is above both the last one issued here and <paramref name="applied"/>, the version the device reports
    /// it applied: a state the device took from elsewhere (or from a store that was reset) never makes it ignore the
    /// cloud's next one as stale.
    /// </summary>
    public DesiredState Issue(string deviceId, string mode, string issuedBy, DateTimeOffset issuedAt, long applied = 0) =>
        Issue(deviceId, current => (mode, current?.ModelJson, current?.RollbackJson, current?.AgentJson), issuedBy, issuedAt, applied);

    /// <summary>Issues the next version for a device with <paramref name="model"/> as its target, keeping its mode (normal if none yet).</summary>
    public DesiredState IssueModel(string deviceId, ModelTarget model, string issuedBy, DateTimeOffset issuedAt, long applied = 0) =>
        IssueModel(deviceId, model, null, issuedBy, issuedAt, applied);

    /// <summary>
    /// Issues the next version for a device with <paramref name="model"/> (null: none) and <paramref name="rollback"/>
    /// (null: none), keeping its mode (normal if none yet) and its agent target.
    /// </summary>
    public DesiredState IssueModel(string deviceId, ModelTarget? model, ModelRollback? rollback, string issuedBy, DateTimeOffset issuedAt, long applied = 0) =>
        Issue(
            deviceId,
            current => (
                current?.Mode ?? DegradationModes.Normal,
                model is null ? null : JsonSerializer.Serialize(model, FleetJsonContext.Default.ModelTarget),
                rollback is null ? null : JsonSerializer.Serialize(rollback, FleetJsonContext.Default.ModelRollback),
                current?.AgentJson),
            issuedBy,
            issuedAt,
            applied);

    /// <summary>
    /// Issues the next version for a device with <paramref name="agent"/> as its agent release target (null: none, the
    /// device keeps the agent it runs), keeping its mode, model target and rollback.
    /// </summary>
    public DesiredState IssueAgent(string deviceId, AgentTarget? agent, string issuedBy, DateTimeOffset issuedAt, long applied = 0) =>
        Issue(
            deviceId,
            current => (
                current?.Mode ?? DegradationModes.Normal,
                current?.ModelJson,
                current?.RollbackJson,
                agent is null ? null : JsonSerializer.Serialize(agent, FleetJsonContext.Default.AgentTarget)),
            issuedBy,
            issuedAt,
            applied);

    public DesiredState? Find(string deviceId) => _desired.Find(deviceId) is { } stored ? ToContract(stored) : null;

    public IReadOnlyDictionary<string, DesiredState> All() =>
        _desired.All().ToDictionary(x => x.DeviceId, ToContract, StringComparer.Ordinal);

    private DesiredState Issue(string deviceId, Func<StoredDesiredState?, (string Mode, string? ModelJson, string? RollbackJson, string? AgentJson)> change, string issuedBy, DateTimeOffset issuedAt, long applied)
    {
        // Read, change, write if nobody wrote meanwhile; otherwise read again.
        while (true)
        {
            var current = _desired.Find(deviceId);
            var (mode, modelJson, rollbackJson, agentJson) = change(current);
            var next = new StoredDesiredState
            {
                DeviceId = deviceId,
                Version = Math.Max(current?.Version ?? 0, applied) + 1,
                Mode = mode,
                IssuedAt = issuedAt,
                IssuedBy = issuedBy,
                ModelJson = modelJson,
                RollbackJson = rollbackJson,
                AgentJson = agentJson,
            };
            if (_desired.TryWrite(next, current?.Version))
            {
                return ToContract(next);
            }
        }
    }

    private static DesiredState ToContract(StoredDesiredState stored) =>
        new(
            MqttPayloads.SchemaVersion,
            stored.Version,
            stored.Mode,
            stored.IssuedAt,
            stored.IssuedBy,
            stored.ModelJson is { } json ? JsonSerializer.Deserialize(json, FleetJsonContext.Default.ModelTarget) : null,
            stored.RollbackJson is { } rollback ? JsonSerializer.Deserialize(rollback, FleetJsonContext.Default.ModelRollback) : null,
            stored.DeviceId,
            stored.AgentJson is { } agent ? JsonSerializer.Deserialize(agent, FleetJsonContext.Default.AgentTarget) : null);
}
