namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// A rollout changed elsewhere (another replica's API, or the replica driving it) between this replica reading it and
/// writing it: nothing was written. An <see cref="InvalidOperationException"/>, so the API answers 409.
/// </summary>
public sealed class RolloutConflictException(string id)
    : InvalidOperationException($"rollout {id} was changed at the same time by another cloud replica: nothing was changed here; look at it again (GET /api/rollouts/{id}) and retry")
{
    public string RolloutId { get; } = id;
}
