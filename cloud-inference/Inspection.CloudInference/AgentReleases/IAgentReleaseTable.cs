namespace Inspection.CloudInference.AgentReleases;

/// <summary>
/// Where <see cref="AgentReleaseStore"/> keeps its releases: the LiteDB file (one document per release; the bundle only
/// in the replica's own folder), or PostgreSQL tables every cloud replica shares (the document and the bundle's bytes),
/// so a bundle uploaded to one replica is listed and served by all of them.
/// </summary>
public interface IAgentReleaseTable
{
    /// <summary>
    /// Whether the table keeps the bundle too. When it does, the bundle is written to the database before it is put in
    /// the local folder, and a replica without the file writes it from the database on first use.
    /// </summary>
    bool HoldsBundles { get; }

    /// <summary>The largest bundle the table can keep (a PostgreSQL <c>bytea</c> value ends at 1 GB).</summary>
    long MaxBundleBytes { get; }

    /// <summary>Every release, in no particular order.</summary>
    IReadOnlyList<AgentRelease> List();

    AgentRelease? Find(string version);

    /// <summary>
    /// Stores the release with the bundle at <paramref name="bundlePath"/> (the bundle only when
    /// <see cref="HoldsBundles"/>), both or neither; false when the version is registered already (on this replica or
    /// another).
    /// </summary>
    Task<bool> TryInsertAsync(AgentRelease release, string bundlePath, CancellationToken cancellationToken);

    /// <summary>Writes the release's bundle to <paramref name="target"/>; false when the table keeps no bundle for it.</summary>
    Task<bool> CopyBundleAsync(string version, Stream target, CancellationToken cancellationToken);
}
