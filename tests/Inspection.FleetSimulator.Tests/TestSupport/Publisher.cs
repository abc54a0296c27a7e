using System.Globalization;
using System.Security.Cryptography;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.FleetSimulator.Tests.TestSupport;

/// <summary>
/// A publisher for the fleet: a signing key, the devices' trust folder with its public key, and signed packages laid
/// out in a <see cref="PackageServer"/> folder. The model file is bytes no one parses (the simulated devices never load
/// it), but signature, sizes and SHA-256 are real, so the agent's download and verification run in full.
/// </summary>
internal sealed class Publisher : IDisposable
{
    public static readonly RecommendedSettings Recommended = new(0.25f, 0.85f, 0.15f, 0.45f, false);

    public Publisher(string folder, PackageServer server)
    {
        Server = server;
        TrustFolder = Directory.CreateDirectory(Path.Combine(folder, "trusted-keys")).FullName;
        File.WriteAllText(Path.Combine(TrustFolder, "publisher.pem"), Key.ExportSubjectPublicKeyInfoPem());
    }

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public PackageServer Server { get; }

    /// <summary>The devices' trusted keys folder (<see cref="FleetOptions.TrustedKeys"/>).</summary>
    public string TrustFolder { get; }

    /// <summary>Publishes release <paramref name="release"/> and returns the desired-state target that names it.</summary>
    public ModelTarget Publish(long release)
    {
        var random = new Random((int)release);
        var model = new byte[64 * 1024];
        random.NextBytes(model);
        var golden = Enumerable.Range(0, 2).Select(_ =>
        {
            var image = new byte[2048];
            random.NextBytes(image);
            return image;
        }).ToList();

        var manifest = new ModelManifest(
            ModelManifest.CurrentSchemaVersion,
            "inspection-edge",
            release,
            $"2.{release}.0",
            FileOf(ModelPackageBuilder.ModelEntry, model),
            new ModelSummary(["scratch", "spot", "crack", "dent"], 480, 480, "YoloV8"),
            Recommended,
            "1.0.0",
            new GoldenSet(GoldenTolerance.Default, [.. golden.Select((image, i) => new GoldenFrame(FileOf($"golden/{i:D3}.png", image), []))]),
            TimeProvider.System.GetUtcNow(),
            ManifestSignature.KeyIdOf(Key));
        var manifestBytes = ModelManifestJson.Serialize(manifest);
        var signature = ManifestSignature.Sign(manifestBytes, Key);

        var folder = Directory.CreateDirectory(Path.Combine(Server.Folder, release.ToString(CultureInfo.InvariantCulture))).FullName;
        File.WriteAllBytes(Path.Combine(folder, ModelPackage.ManifestFile), manifestBytes);
        File.WriteAllText(Path.Combine(folder, ModelPackage.SignatureFile), signature);
        File.WriteAllBytes(Path.Combine(folder, ModelPackageBuilder.ModelEntry), model);
        Directory.CreateDirectory(Path.Combine(folder, "golden"));
        for (var i = 0; i < golden.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, "golden", $"{i:D3}.png"), golden[i]);
        }

        return new ModelTarget(
            manifest.Name,
            manifest.Release,
            manifest.Version,
            manifest.Model.Sha256,
            manifest.Model.Size,
            new Uri(Server.BaseAddress, $"{release}/{ModelPackage.ManifestFile}").AbsoluteUri,
            ModelPackage.Sha256Of(manifestBytes),
            signature);
    }

    public void Dispose() => Key.Dispose();

    private static PackageFile FileOf(string path, byte[] bytes) => new(path, ModelPackage.Sha256Of(bytes), bytes.LongLength);
}
