using Inspection.CloudInference.Storage;
using Inspection.Contracts.Rollouts;
using LiteDB;

namespace Inspection.CloudInference.Rollouts;

/// <summary>Rollouts in the cloud's LiteDB file (collection <c>rollouts</c>): one process, so one lock suffices.</summary>
public sealed class LiteDbRolloutTable : IRolloutTable
{
    private readonly ILiteCollection<StoredRollout> _rollouts;
    private readonly Lock _lock = new();

    public LiteDbRolloutTable(CloudDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _rollouts = database.Database.GetCollection<StoredRollout>("rollouts");
        _rollouts.EnsureIndex(x => x.State);
    }

    public StoredRollout? Find(string id) => _rollouts.FindById(id);

    public IReadOnlyList<StoredRollout> All() => [.. _rollouts.FindAll().OrderByDescending(r => r.CreatedAt)];

    public IReadOnlyList<StoredRollout> Active() => [.. _rollouts.FindAll().Where(r => !RolloutStates.IsFinal(r.State))];

    public long Count() => _rollouts.LongCount();

    public bool TryWrite(StoredRollout next, long expectedVersion)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_lock)
        {
            // A rollout written before rollouts had versions reads as version 0, as does one not stored yet.
            if ((_rollouts.FindById(next.Id)?.Version ?? 0) != expectedVersion)
            {
                return false;
            }

            _rollouts.Upsert(next);
            return true;
        }
    }
}
