namespace Inspection.Contracts.Api;

/// <summary>A registered edge agent release as the API lists it, with the address devices download its bundle from.</summary>
/// <param name="Version">The agent's semantic version (the release's key).</param>
/// <param name="Sha256">SHA-256 of the bundle file, as a device's desired state carries it.</param>
/// <param name="Size">Size of the bundle file in bytes.</param>
/// <param name="KeyId">The publisher key that signed its manifest.</param>
/// <param name="Entry">The executable the device's service starts.</param>
/// <param name="Files">Files in the release.</param>
/// <param name="InstalledSize">Bytes the release takes on a device once installed.</param>
/// <param name="BundleUrl">Where the bundle is served (relative to the API's base address).</param>
/// <param name="UploadedAt">When it was registered.</param>
/// <param name="UploadedBy">The account that uploaded it.</param>
public sealed record AgentReleaseItem(
    string Version,
    string Sha256,
    long Size,
    string KeyId,
    string Entry,
    int Files,
    long InstalledSize,
    string BundleUrl,
    DateTimeOffset UploadedAt,
    string UploadedBy);
