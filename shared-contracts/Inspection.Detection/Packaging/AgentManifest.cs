namespace Inspection.Detection.Packaging;

/// <summary>
/// The signed description of an edge agent release (<c>manifest.json</c> inside an agent bundle): its version, the file
/// systemd starts, and every file of the published agent with its size and SHA-256. Signed like a model package's
/// manifest (<see cref="ManifestSignature"/>), with the same publisher keys.
/// </summary>
/// <param name="SchemaVersion">Manifest schema version; this reads and writes <see cref="CurrentSchemaVersion"/>.</param>
/// <param name="Kind">Always <see cref="BundleKind"/>, so a model manifest is never taken for an agent's.</param>
/// <param name="Version">The agent's semantic version; a device refuses one at or below the version it runs.</param>
/// <param name="KeyId">Id of the publisher key that signed the manifest (<see cref="ManifestSignature.KeyIdOf"/>).</param>
/// <param name="Entry">The executable the service starts, relative to the release folder (e.g. <c>Inspection.EdgeAgent</c>).</param>
/// <param name="Files">Every file of the release, relative paths with '/' separators.</param>
/// <param name="CreatedAt">When the bundle was packed.</param>
public sealed record AgentManifest(
    int SchemaVersion,
    string Kind,
    string Version,
    string KeyId,
    string Entry,
    IReadOnlyList<PackageFile> Files,
    DateTimeOffset CreatedAt)
{
    public const int CurrentSchemaVersion = 1;

    public const string BundleKind = "edge-agent";

    /// <summary>Bytes of all files together (what the release takes on disk).</summary>
    public long TotalSize() => Files.Sum(f => f.Size);
}
