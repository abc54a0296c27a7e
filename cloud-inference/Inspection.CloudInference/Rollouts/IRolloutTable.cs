namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// Where <see cref="RolloutStore"/> keeps rollouts: the LiteDB file, or a PostgreSQL table every cloud replica reads
/// and writes. A rollout can be changed from any replica's API while the replica holding the rollouts lease drives it,
/// so writes are compare-and-set on the rollout's version: a writer never overwrites a change it has not seen.
/// </summary>
public interface IRolloutTable
{
    /// <summary>The rollout, or null.</summary>
    StoredRollout? Find(string id);

    /// <summary>Every rollout, newest first.</summary>
    IReadOnlyList<StoredRollout> All();

    /// <summary>Rollouts not yet ended (running, paused, halted).</summary>
    IReadOnlyList<StoredRollout> Active();

    /// <summary>How many rollouts were ever started (the next id's number is one more).</summary>
    long Count();

    /// <summary>
    /// Writes <paramref name="next"/> if the stored version is still <paramref name="expectedVersion"/> (0: not stored
    /// yet). False when another writer changed it first, or an id is taken: read again before changing it.
    /// </summary>
    bool TryWrite(StoredRollout next, long expectedVersion);
}
