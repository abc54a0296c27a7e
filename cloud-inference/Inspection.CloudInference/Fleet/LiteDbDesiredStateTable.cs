using Inspection.CloudInference.Storage;
using LiteDB;

namespace Inspection.CloudInference.Fleet;

/// <summary>Desired states in the cloud's LiteDB file (collection <c>desired</c>): one process, so one lock suffices.</summary>
public sealed class LiteDbDesiredStateTable(CloudDatabase database) : IDesiredStateTable
{
    private readonly ILiteCollection<StoredDesiredState> _desired = database.Database.GetCollection<StoredDesiredState>("desired");
    private readonly Lock _lock = new();

    // Read under the same lock as the write, as this store always did: LiteDB answered a read beside the write that
    // creates the collection with "page type must be collection page" (ten concurrent mode commands for a new device).
    public StoredDesiredState? Find(string deviceId)
    {
        lock (_lock)
        {
            return _desired.FindById(deviceId);
        }
    }

    public IReadOnlyList<StoredDesiredState> All() => _desired.FindAll().ToList();

    public bool TryWrite(StoredDesiredState next, long? expectedVersion)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_lock)
        {
            if (_desired.FindById(next.DeviceId)?.Version != expectedVersion)
            {
                return false;
            }

            _desired.Upsert(next);
            return true;
        }
    }
}
