namespace Inspection.Detection.Packaging;

/// <summary>
/// What a model package says about itself, signed by its publisher (<c>manifest.json</c>, signature in
/// <c>manifest.sig</c>). Every file of the package is named here with its SHA-256 and size, so the signature over
/// this manifest covers them all: a device verifies the signature first and then each file against it, before ONNX
/// Runtime parses a byte.
/// </summary>
/// <param name="SchemaVersion">Manifest schema version; this library reads and writes 1.</param>
/// <param name="Name">The model's name, e.g. <c>inspection-edge</c>.</param>
/// <param name="Release">Grows with every package of this model (≥ 1). A device refuses a release at or below the
/// highest it has committed: going back to old weights means publishing them again under a higher release.</param>
/// <param name="Version">Semantic version of the weights, as people speak of them (e.g. <c>2.1.0</c>).</param>
/// <param name="Model">The ONNX file.</param>
/// <param name="Summary">What the ONNX file's Ultralytics metadata says: classes, input size, output layout.</param>
/// <param name="Recommended">The decision band and detection settings the publisher chose for this model; the golden
/// set was produced with them.</param>
/// <param name="MinAgentVersion">The oldest edge agent that may run it (semantic version).</param>
/// <param name="Golden">Frames with the detections the publisher's run produced, and the tolerance to compare with.</param>
/// <param name="CreatedAt">When the package was made.</param>
/// <param name="KeyId">The publisher key that signed it (<see cref="ManifestSignature.KeyIdOf"/>).</param>
public sealed record ModelManifest(
    int SchemaVersion,
    string Name,
    long Release,
    string Version,
    PackageFile Model,
    ModelSummary Summary,
    RecommendedSettings Recommended,
    string MinAgentVersion,
    GoldenSet Golden,
    DateTimeOffset CreatedAt,
    string KeyId)
{
    /// <summary>The schema version this library writes and accepts.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Every file of the package: the model, then the golden frames.</summary>
    public IEnumerable<PackageFile> Files() => [Model, .. Golden.Frames.Select(f => f.Image)];
}
