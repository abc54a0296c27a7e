using Inspection.CloudInference.Storage;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// Rollouts in the cloud database (<see cref="IRolloutTable"/>: the LiteDB file, or the PostgreSQL table replicas
/// share): every change is written before it is acted on or reported, and only over the version it was made from.
/// </summary>
public sealed class RolloutStore
{
    private readonly IRolloutTable _rollouts;

    public RolloutStore(CloudDatabase database)
        : this(new LiteDbRolloutTable(database))
    {
    }

    public RolloutStore(IRolloutTable table)
    {
        _rollouts = table;
    }

    /// <summary>Writes the rollout as the next version of the one it was read as (or as a new one).</summary>
    /// <exception cref="RolloutConflictException">It changed elsewhere since it was read (or its id is taken): nothing was written.</exception>
    public void Save(StoredRollout rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var expected = rollout.Version;
        rollout.Version = expected + 1;
        if (!_rollouts.TryWrite(rollout, expected))
        {
            rollout.Version = expected;
            throw new RolloutConflictException(rollout.Id);
        }
    }

    public StoredRollout? Find(string id) => _rollouts.Find(id);

    /// <summary>Rollouts not yet ended (running, paused, halted): the ones the controller drives.</summary>
    public IReadOnlyList<StoredRollout> Active() => _rollouts.Active();

    public IReadOnlyList<StoredRollout> All() => _rollouts.All();

    /// <summary>The next rollout id, <c>ro-N</c>.</summary>
    public string NextId() => $"ro-{_rollouts.Count() + 1}";
}
