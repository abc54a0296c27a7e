using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.Ota;

/// <summary>The model the agent runs after its last committed update: what the pointer file <c>current.json</c> says.</summary>
/// <param name="Release">The package's release.</param>
/// <param name="Name">Model name.</param>
/// <param name="Version">Model version.</param>
/// <param name="Sha256">SHA-256 of the ONNX file, checked before the file is loaded.</param>
/// <param name="ModelPath">The ONNX file.</param>
/// <param name="TensorRtCachePath">TensorRT engine cache of these weights (keyed by their hash, so a rebuild happens only for new weights).</param>
/// <param name="Recommended">Decision band and detection settings from the package.</param>
/// <param name="Previous">
/// The model it replaced, which a one-step rollback may return to: a release, or 0 for the configured model; null
/// when there is none to return to (after a rollback, or a pointer written before this was recorded).
/// </param>
public sealed record CommittedModel(
    long Release,
    string Name,
    string Version,
    string Sha256,
    string ModelPath,
    string TensorRtCachePath,
    RecommendedSettings Recommended,
    long? Previous = null);
