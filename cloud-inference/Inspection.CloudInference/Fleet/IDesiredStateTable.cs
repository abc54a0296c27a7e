namespace Inspection.CloudInference.Fleet;

/// <summary>
/// Where <see cref="DesiredStateStore"/> keeps the latest desired state per device: the LiteDB file, or a PostgreSQL
/// table that several cloud replicas issue versions into at the same time. Writes are compare-and-set on the version,
/// so the store's read–change–write never overwrites a version another writer issued meanwhile.
/// </summary>
public interface IDesiredStateTable
{
    /// <summary>The device's latest desired state, or null.</summary>
    StoredDesiredState? Find(string deviceId);

    /// <summary>Every device's latest desired state.</summary>
    IReadOnlyList<StoredDesiredState> All();

    /// <summary>
    /// Writes <paramref name="next"/> if the device's stored version is still <paramref name="expectedVersion"/> (null:
    /// none stored yet). False when another writer got there first: read again and retry.
    /// </summary>
    bool TryWrite(StoredDesiredState next, long? expectedVersion);
}
