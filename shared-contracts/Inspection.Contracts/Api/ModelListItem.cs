namespace Inspection.Contracts.Api;

/// <summary>A registered release as the API lists it, with the addresses a device fetches it from.</summary>
/// <param name="Release">The release number.</param>
/// <param name="Name">Model name.</param>
/// <param name="Version">Semantic version.</param>
/// <param name="Sha256">SHA-256 of the ONNX file.</param>
/// <param name="Size">Size of the ONNX file in bytes.</param>
/// <param name="KeyId">The key that signed the manifest.</param>
/// <param name="ManifestSha256">SHA-256 of the signed manifest.</param>
/// <param name="ManifestUrl">Where the manifest is served (relative to the API's base address).</param>
/// <param name="UploadedAt">When it was registered.</param>
/// <param name="UploadedBy">The account that uploaded it.</param>
/// <param name="Validation">The registry's own check of it.</param>
public sealed record ModelListItem(
    long Release,
    string Name,
    string Version,
    string Sha256,
    long Size,
    string KeyId,
    string ManifestSha256,
    string ManifestUrl,
    DateTimeOffset UploadedAt,
    string UploadedBy,
    string Validation);
