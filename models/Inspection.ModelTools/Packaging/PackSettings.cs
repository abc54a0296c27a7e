using Inspection.Detection.Packaging;

namespace Inspection.ModelTools.Packaging;

/// <summary>One <c>pack</c> run.</summary>
/// <param name="ModelPath">The ONNX file to package.</param>
/// <param name="PrivateKeyPath">The publisher's <c>NAME.private.pem</c>.</param>
/// <param name="OutputPath">The package archive to write.</param>
/// <param name="Details">Release, name, version, recommended settings, minimum agent version, golden tolerance.</param>
/// <param name="GoldenFrames">Golden frames rendered from the synthetic line (one of them without a defect).</param>
/// <param name="GoldenSeed">Seed of the synthetic line the golden frames come from.</param>
public sealed record PackSettings(
    string ModelPath,
    string PrivateKeyPath,
    string OutputPath,
    PackageDetails Details,
    int GoldenFrames,
    int GoldenSeed);
