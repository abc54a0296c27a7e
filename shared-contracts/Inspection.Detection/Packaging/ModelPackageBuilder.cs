using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace Inspection.Detection.Packaging;

/// <summary>
/// Makes a signed package from a model file and golden images: loads the model on the CPU (which proves it follows
/// the model contract and gives its metadata), runs it on the golden images with the recommended settings, writes
/// and signs the manifest, and writes the archive. Golden images should be lossless (PNG), so every device decodes
/// exactly the pixels the publisher's run saw.
/// </summary>
public static class ModelPackageBuilder
{
    /// <summary>The model file's path inside every package.</summary>
    public const string ModelEntry = "model.onnx";

    public static ModelManifest Build(
        string modelPath,
        IReadOnlyList<byte[]> goldenImages,
        PackageDetails details,
        ECDsa privateKey,
        TimeProvider time,
        Stream archive)
    {
        ArgumentNullException.ThrowIfNull(goldenImages);
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(time);
        if (details.Recommended.Validate() is { } invalid)
        {
            throw new ArgumentException($"The recommended settings are unusable: {invalid}.", nameof(details));
        }

        var modelBytes = File.ReadAllBytes(modelPath);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [ModelEntry] = modelBytes };
        using var detector = OnnxDetector.Load(
            details.Recommended.Apply(new DetectorOptions { ExecutionProviders = ["CPU"], WarmupRuns = 1 }, modelPath),
            NullLogger.Instance);
        var golden = new List<GoldenFrame>();
        for (var i = 0; i < goldenImages.Count; i++)
        {
            using var image = Cv2.ImDecode(goldenImages[i], ImreadModes.Color);
            if (image.Empty())
            {
                throw new ArgumentException($"Golden image {i} cannot be decoded.", nameof(goldenImages));
            }

            var path = $"golden/{i:D3}.png";
            files[path] = goldenImages[i];
            golden.Add(new GoldenFrame(FileOf(path, goldenImages[i]), [.. detector.Detect(image).Select(GoldenDetection.From)]));
        }

        var metadata = detector.Model;
        var manifest = new ModelManifest(
            ModelManifest.CurrentSchemaVersion,
            details.Name ?? Path.GetFileNameWithoutExtension(modelPath),
            details.Release,
            details.Version ?? metadata.Version,
            FileOf(ModelEntry, modelBytes),
            new ModelSummary(metadata.ClassNames, metadata.InputWidth, metadata.InputHeight, detector.OutputLayout.ToString()),
            details.Recommended,
            details.MinAgentVersion,
            new GoldenSet(details.Tolerance, golden),
            time.GetUtcNow(),
            ManifestSignature.KeyIdOf(privateKey));
        if (ModelManifestJson.Validate(manifest) is { } error)
        {
            throw new ArgumentException($"The package would be refused: {error}.", nameof(details));
        }

        var manifestBytes = ModelManifestJson.Serialize(manifest);
        ModelPackage.Write(archive, manifestBytes, ManifestSignature.Sign(manifestBytes, privateKey), files);
        return manifest;
    }

    private static PackageFile FileOf(string path, byte[] bytes) => new(path, ModelPackage.Sha256Of(bytes), bytes.LongLength);
}
