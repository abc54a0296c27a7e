namespace Inspection.CloudInference.Storage;

/// <summary>
/// The right to do work that must run on one replica at a time (the rollout controller's passes). On LiteDB there is
/// one process, which always holds it (<see cref="InProcessLease"/>); on PostgreSQL it is an advisory lock
/// (<see cref="PostgreSqlLease"/>) that another replica takes over when its holder dies.
/// </summary>
public interface IRunOnceLease
{
    /// <summary>What the lease guards, for logs: e.g. <c>rollouts</c>.</summary>
    string Name { get; }

    /// <summary>
    /// True when this process holds the lease now: a lease held is checked to be still held, a lease not held is taken
    /// when free. Call it before each run of the work; never throws for an unreachable database (then: false).
    /// </summary>
    Task<bool> HoldAsync(CancellationToken cancellationToken);
}
