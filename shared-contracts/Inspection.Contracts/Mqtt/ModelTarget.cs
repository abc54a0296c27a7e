namespace Inspection.Contracts.Mqtt;

/// <summary>
/// The model a device should run, part of its <see cref="DesiredState"/>: a reference to a registered package. The
/// device trusts none of it on its word: it fetches the manifest and its signature from the URLs, verifies the
/// signature against its pinned keys, and checks that the manifest's hash, release and model hash are the ones here.
/// </summary>
/// <param name="Name">Model name.</param>
/// <param name="Release">The package's release; a device refuses one at or below the highest it has committed.</param>
/// <param name="Version">Semantic version of the weights.</param>
/// <param name="Sha256">SHA-256 of the ONNX file.</param>
/// <param name="Size">Size of the ONNX file in bytes.</param>
/// <param name="ManifestUrl">Absolute URL of <c>manifest.json</c>; the package's other files are beside it.</param>
/// <param name="ManifestSha256">SHA-256 of <c>manifest.json</c>.</param>
/// <param name="Signature">The text of <c>manifest.sig</c>.</param>
/// <param name="ShadowFrames">Live frames both models see before the swap (null: the device's default).</param>
/// <param name="MinAgreement">Share of shadow frames whose decisions must agree (null: the device's default).</param>
/// <param name="HealthFrames">Frames watched after the swap before commit (null: the device's default).</param>
public sealed record ModelTarget(
    string Name,
    long Release,
    string Version,
    string Sha256,
    long Size,
    string ManifestUrl,
    string ManifestSha256,
    string Signature,
    int? ShadowFrames = null,
    double? MinAgreement = null,
    int? HealthFrames = null);
