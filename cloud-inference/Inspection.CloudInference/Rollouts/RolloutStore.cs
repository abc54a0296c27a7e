using Inspection.CloudInference.Storage;
using Inspection.Contracts.Rollouts;
using LiteDB;

namespace Inspection.CloudInference.Rollouts;

/// <summary>Rollouts in the cloud database: every change is written before it is acted on or reported.</summary>
public sealed class RolloutStore
{
    private readonly ILiteCollection<StoredRollout> _rollouts;

    public RolloutStore(CloudDatabase database)
    {
        _rollouts = database.Database.GetCollection<StoredRollout>("rollouts");
        _rollouts.EnsureIndex(x => x.State);
    }

    public void Save(StoredRollout rollout) => _rollouts.Upsert(rollout);

    public StoredRollout? Find(string id) => _rollouts.FindById(id);

    /// <summary>Rollouts not yet ended (running, paused, halted): the ones the controller drives.</summary>
    public IReadOnlyList<StoredRollout> Active() =>
        [.. _rollouts.FindAll().Where(r => !RolloutStates.IsFinal(r.State))];

    public IReadOnlyList<StoredRollout> All() => [.. _rollouts.FindAll().OrderByDescending(r => r.CreatedAt)];

    /// <summary>The next rollout id, <c>ro-N</c>.</summary>
    public string NextId() => $"ro-{_rollouts.Count() + 1}";
}
