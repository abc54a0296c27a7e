using System.Security.Cryptography;
using Inspection.Detection.Packaging;

namespace Inspection.Detection.Tests.Packaging;

/// <summary>Keys, manifests and archives for the packaging tests; the files are plain bytes (no model runs here).</summary>
internal static class TestPackages
{
    public static readonly byte[] ModelBytes = [1, 2, 3, 4, 5, 6, 7, 8];
    public static readonly byte[] ImageBytes = [9, 9, 9];

    public static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static ModelManifest Manifest(ECDsa key, long release = 7) => new(
        ModelManifest.CurrentSchemaVersion,
        "inspection-edge",
        release,
        "2.1.0",
        File("model.onnx", ModelBytes),
        new ModelSummary(["scratch", "spot"], 480, 480, "YoloV8"),
        new RecommendedSettings(0.25f, 0.85f, 0.15f, 0.3f, false),
        "1.0.0",
        new GoldenSet(GoldenTolerance.Default, [new GoldenFrame(File("golden/000.png", ImageBytes), [new GoldenDetection(0, "scratch", 0.9f, 10, 10, 40, 20)])]),
        new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero),
        ManifestSignature.KeyIdOf(key));

    public static PackageFile File(string path, byte[] bytes) => new(path, ModelPackage.Sha256Of(bytes), bytes.LongLength);

    /// <summary>An archive of the manifest signed with <paramref name="key"/> and the given files (default: the right ones).</summary>
    public static MemoryStream Archive(ModelManifest manifest, ECDsa key, Dictionary<string, byte[]>? files = null, Func<byte[], byte[]>? editManifest = null)
    {
        var bytes = ModelManifestJson.Serialize(manifest);
        var signature = ManifestSignature.Sign(bytes, key);
        var stream = new MemoryStream();
        ModelPackage.Write(stream, editManifest?.Invoke(bytes) ?? bytes, signature, files ?? new() { ["model.onnx"] = ModelBytes, ["golden/000.png"] = ImageBytes });
        stream.Position = 0;
        return stream;
    }
}
