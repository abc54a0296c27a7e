namespace Inspection.CloudInference.Models;

/// <summary>
/// Where <see cref="ModelRegistry"/> keeps its releases: the LiteDB file (one document per release; the files only in
/// the replica's own folder), or PostgreSQL tables every cloud replica shares (the document and the package's files),
/// so a package uploaded to one replica is listed and served by all of them.
/// </summary>
public interface IModelTable
{
    /// <summary>
    /// Whether the table keeps the package's files too. When it does, the files are written to the database before
    /// they are put in the local folder, and a replica without the folder writes it from the database on first use.
    /// </summary>
    bool HoldsFiles { get; }

    /// <summary>The largest single file the table can keep (a PostgreSQL <c>bytea</c> value ends at 1 GB).</summary>
    long MaxFileBytes { get; }

    IReadOnlyList<RegisteredModel> List();

    RegisteredModel? Find(long release);

    /// <summary>
    /// Stores the release with its files (the files only when <see cref="HoldsFiles"/>), both or neither; false when
    /// the release is registered already (on this replica or another).
    /// </summary>
    bool TryInsert(RegisteredModel model, IReadOnlyList<(string Path, byte[] Bytes)> files);

    /// <summary>The release's files (manifest, signature and the files the manifest names); null when the table keeps none.</summary>
    IReadOnlyList<(string Path, byte[] Bytes)>? Files(long release);
}
