using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;
using LiteDB;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// Per-device desired state with its version, persisted so versions keep growing across restarts
/// (a device ignores a desired state whose version it has already applied).
/// </summary>
public sealed class DesiredStateStore
{
    private readonly ILiteCollection<StoredDesiredState> _desired;
    private readonly Lock _lock = new();

    public DesiredStateStore(CloudDatabase database)
    {
        _desired = database.Database.GetCollection<StoredDesiredState>("desired");
    }

    /// <summary>Issues the next version for a device and stores it.</summary>
    public DesiredState Issue(string deviceId, string mode, string issuedBy, DateTimeOffset issuedAt)
    {
        lock (_lock)
        {
            var current = _desired.FindById(deviceId);
            var next = new StoredDesiredState
            {
                DeviceId = deviceId,
                Version = (current?.Version ?? 0) + 1,
                Mode = mode,
                IssuedAt = issuedAt,
                IssuedBy = issuedBy,
            };
            _desired.Upsert(next);
            return ToContract(next);
        }
    }

    public DesiredState? Find(string deviceId) => _desired.FindById(deviceId) is { } stored ? ToContract(stored) : null;

    public IReadOnlyDictionary<string, DesiredState> All() =>
        _desired.FindAll().ToDictionary(x => x.DeviceId, ToContract, StringComparer.Ordinal);

    private static DesiredState ToContract(StoredDesiredState stored) =>
        new(MqttPayloads.SchemaVersion, stored.Version, stored.Mode, stored.IssuedAt, stored.IssuedBy);
}
