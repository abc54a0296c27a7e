using System.Security.Cryptography;
using Inspection.Detection.Packaging;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// A publisher key and real signed packages of the shipped edge model, for the registry tests; golden images are
/// drawn here (a plate with a dark scratch and a spot). Packages can be edited and signed again to make each fault.
/// </summary>
public sealed class TestModelPackages : IDisposable
{
    public static readonly RecommendedSettings Recommended = new(0.25f, 0.85f, 0.15f, 0.3f, false);

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string KeyId => ManifestSignature.KeyIdOf(Key);

    /// <summary>Writes the public key into <paramref name="folder"/> (created), as a device's or the registry's trust folder.</summary>
    public string Trust(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"{KeyId}.pem"), Key.ExportSubjectPublicKeyInfoPem());
        return folder;
    }

    /// <summary>The real cloud with its registry in <paramref name="directory"/>, trusting this publisher.</summary>
    internal Task<TestCloud> StartCloudAsync(TempDirectory directory, params string[] extra) =>
        TestCloud.StartAsync(
            directory.Path,
            [$"--Cloud:Models:StoragePath={directory.File("models")}", $"--Cloud:Models:TrustedKeysPath={Trust(directory.File("keys"))}", .. extra]);

    /// <summary>Uploads a package archive as an operator would.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(TestCloud cloud, byte[] package)
    {
        using var content = new ByteArrayContent(package);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        return await cloud.Http.PostAsync("api/models", content, TestContext.Current.CancellationToken);
    }

    public byte[] Build(long release, string? modelPath = null, string? version = null)
    {
        using var archive = new MemoryStream();
        ModelPackageBuilder.Build(
            modelPath ?? RepoPaths.EdgeModel,
            GoldenImages(),
            new PackageDetails(release, "inspection-edge", version ?? $"2.{release}.0", Recommended, "1.0.0", GoldenTolerance.Default),
            Key,
            TimeProvider.System,
            archive);
        return archive.ToArray();
    }

    /// <summary>
    /// The package with its manifest and files edited, signed again with <paramref name="signWith"/> (default: this
    /// key); files not named in <paramref name="files"/> are kept, and a file's hash and size in the manifest follow
    /// its new bytes unless <paramref name="keepHashes"/>.
    /// </summary>
    public byte[] Edit(
        byte[] package,
        Func<ModelManifest, ModelManifest>? manifest = null,
        Dictionary<string, byte[]>? files = null,
        bool keepHashes = false,
        ECDsa? signWith = null)
    {
        using var trusted = TrustedKeys.Of("test", Key);
        var opened = ModelPackage.Open(new MemoryStream(package), trusted, long.MaxValue);
        var allFiles = new Dictionary<string, byte[]>(opened.Files, StringComparer.Ordinal);
        foreach (var (path, bytes) in files ?? [])
        {
            allFiles[path] = bytes;
        }

        var edited = opened.Manifest;
        if (!keepHashes && files is not null && files.TryGetValue(edited.Model.Path, out var model))
        {
            edited = edited with { Model = edited.Model with { Sha256 = ModelPackage.Sha256Of(model), Size = model.LongLength } };
        }

        edited = manifest?.Invoke(edited) ?? edited;
        var signer = signWith ?? Key;
        edited = edited with { KeyId = ManifestSignature.KeyIdOf(signer) };
        var bytesOut = ModelManifestJson.Serialize(edited);
        using var archive = new MemoryStream();
        ModelPackage.Write(archive, bytesOut, ManifestSignature.Sign(bytesOut, signer), allFiles);
        return archive.ToArray();
    }

    public static List<byte[]> GoldenImages()
    {
        var images = new List<byte[]>();
        for (var i = 0; i < 2; i++)
        {
            using var frame = new Mat(480, 640, MatType.CV_8UC3, new Scalar(150, 150, 150));
            Cv2.Rectangle(frame, new Rect(120, 100, 400, 280), new Scalar(190, 190, 190), -1);
            if (i == 0)
            {
                Cv2.Line(frame, new Point(200, 200), new Point(330, 214), new Scalar(40, 40, 40), 3);
                Cv2.Circle(frame, new Point(420, 300), 6, new Scalar(30, 30, 30), -1);
            }

            images.Add(frame.ImEncode(".png"));
        }

        return images;
    }

    public void Dispose() => Key.Dispose();
}
