using System.Security.Cryptography;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// A publisher for the update tests: a signing key, the device's trust folder holding its public key, real signed
/// packages of small real ONNX models (golden frames are grey frames the brightness models score), published into a
/// <see cref="PackageServer"/> folder, and the desired-state targets that name them.
/// </summary>
internal sealed class OtaPackages : IDisposable
{
    public static readonly RecommendedSettings Recommended = new(0.30f, 0.75f, 0.05f, 0.45f, false);

    private readonly string _folder;

    public OtaPackages(string folder, PackageServer server)
    {
        _folder = folder;
        Server = server;
        TrustFolder = Directory.CreateDirectory(Path.Combine(folder, "trusted-keys")).FullName;
        File.WriteAllText(Path.Combine(TrustFolder, "publisher.pem"), Key.ExportSubjectPublicKeyInfoPem());
    }

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public PackageServer Server { get; }

    /// <summary>The device's Ota:TrustedKeysPath.</summary>
    public string TrustFolder { get; }

    /// <summary>
    /// Builds a package of <paramref name="modelPath"/> as <paramref name="release"/>, lays its files out in the
    /// server's folder, and returns the target naming it. <paramref name="edit"/> changes the manifest before it is
    /// signed (and <paramref name="signWith"/> signs with another key).
    /// </summary>
    public ModelTarget Publish(
        long release,
        string modelPath,
        RecommendedSettings? recommended = null,
        Func<ModelManifest, ModelManifest>? edit = null,
        ECDsa? signWith = null,
        int? shadowFrames = null,
        double? minAgreement = null,
        int? healthFrames = null)
    {
        using var archive = new MemoryStream();
        var built = ModelPackageBuilder.Build(
            modelPath,
            GoldenImages(),
            new PackageDetails(release, "brightness", $"1.{release}.0", recommended ?? Recommended, "1.0.0", GoldenTolerance.Default),
            Key,
            TimeProvider.System,
            archive);
        archive.Position = 0;
        using var trusted = TrustedKeys.Of("test", Key);
        var package = ModelPackage.Open(archive, trusted, long.MaxValue);

        var signer = signWith ?? Key;
        var manifest = (edit?.Invoke(built) ?? built) with { KeyId = ManifestSignature.KeyIdOf(signer) };
        var manifestBytes = ModelManifestJson.Serialize(manifest);
        var signature = ManifestSignature.Sign(manifestBytes, signer);

        var releaseFolder = Directory.CreateDirectory(Path.Combine(Server.Folder, release.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
        File.WriteAllBytes(Path.Combine(releaseFolder, ModelPackage.ManifestFile), manifestBytes);
        File.WriteAllText(Path.Combine(releaseFolder, ModelPackage.SignatureFile), signature);
        foreach (var (path, bytes) in package.Files)
        {
            var target = Path.Combine(releaseFolder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, bytes);
        }

        return new ModelTarget(
            manifest.Name,
            manifest.Release,
            manifest.Version,
            manifest.Model.Sha256,
            manifest.Model.Size,
            new Uri(Server.BaseAddress, $"{release}/{ModelPackage.ManifestFile}").AbsoluteUri,
            ModelPackage.Sha256Of(manifestBytes),
            signature,
            shadowFrames,
            minAgreement,
            healthFrames);
    }

    /// <summary>Replaces a published file's bytes (the manifest still names the old ones).</summary>
    public void Replace(long release, string path, byte[] bytes) =>
        File.WriteAllBytes(Path.Combine(Server.Folder, release.ToString(System.Globalization.CultureInfo.InvariantCulture), path), bytes);

    /// <summary>Grey frames the brightness models score pass, uncertain and defect (PNG, lossless).</summary>
    public static List<byte[]> GoldenImages() =>
        [.. new[] { TestModels.PassGrey, TestModels.UncertainGrey, TestModels.DefectGrey }.Select(level =>
        {
            using var frame = Frames.Grey(level);
            return frame.ImEncode(".png");
        })];

    public void Dispose() => Key.Dispose();
}
