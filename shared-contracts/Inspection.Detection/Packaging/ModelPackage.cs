using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Inspection.Detection.Packaging;

/// <summary>
/// A model package as one archive (zip): <c>manifest.json</c>, <c>manifest.sig</c> and the files the manifest names,
/// nothing else. <see cref="Open"/> trusts nothing it has not verified: the signature against the trusted keys first,
/// then every file's size and SHA-256 against the signed manifest, before any byte reaches ONNX Runtime.
/// </summary>
public sealed class ModelPackage
{
    public const string ManifestFile = "manifest.json";
    public const string SignatureFile = "manifest.sig";

    /// <summary>The largest manifest accepted; a real one is a few kilobytes.</summary>
    public const int MaxManifestBytes = 1024 * 1024;

    private ModelPackage(byte[] manifestBytes, string signature, ModelManifest manifest, IReadOnlyDictionary<string, byte[]> files)
    {
        ManifestBytes = manifestBytes;
        Signature = signature;
        Manifest = manifest;
        Files = files;
    }

    /// <summary>The manifest exactly as signed.</summary>
    public byte[] ManifestBytes { get; }

    /// <summary>The text of <c>manifest.sig</c>.</summary>
    public string Signature { get; }

    public ModelManifest Manifest { get; }

    /// <summary>Every file the manifest names, verified, by path.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>
    /// Reads and verifies a package archive. Throws <see cref="PackageRejectedException"/> with the reason for
    /// anything that is not a complete package signed by a trusted key.
    /// </summary>
    public static ModelPackage Open(Stream archive, TrustedKeys trusted, long maxFileBytes)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(trusted);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new PackageRejectedException($"the package is not a zip archive ({ex.Message})", ex);
        }

        using (zip)
        {
            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
            {
                if (!entries.TryAdd(entry.FullName, entry))
                {
                    throw new PackageRejectedException($"the package holds {entry.FullName} twice");
                }
            }

            var manifestBytes = ReadEntry(entries, ManifestFile, MaxManifestBytes);
            var signature = Encoding.ASCII.GetString(ReadEntry(entries, SignatureFile, 1024));
            var manifest = Verify(manifestBytes, signature, trusted);

            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var file in manifest.Files())
            {
                if (file.Size > maxFileBytes)
                {
                    throw new PackageRejectedException($"{file.Path} is {file.Size} bytes, more than the {maxFileBytes} accepted");
                }

                var bytes = ReadEntry(entries, file.Path, file.Size);
                if (bytes.LongLength != file.Size)
                {
                    throw new PackageRejectedException($"{file.Path} is {bytes.LongLength} bytes, the manifest says {file.Size}: truncated or replaced");
                }

                if (!Sha256Of(bytes).Equals(file.Sha256, StringComparison.Ordinal))
                {
                    throw new PackageRejectedException($"{file.Path} does not match the SHA-256 in the signed manifest: the file was changed or damaged");
                }

                files[file.Path] = bytes;
            }

            var extra = entries.Keys.Except([ManifestFile, SignatureFile, .. files.Keys]).FirstOrDefault();
            if (extra is not null)
            {
                throw new PackageRejectedException($"the package holds {extra}, which its manifest does not name");
            }

            return new ModelPackage(manifestBytes, signature, manifest, files);
        }
    }

    /// <summary>
    /// Checks the signature over the manifest bytes, then parses and validates the manifest. Throws
    /// <see cref="PackageRejectedException"/> with the reason.
    /// </summary>
    public static ModelManifest Verify(ReadOnlySpan<byte> manifestBytes, string signature, TrustedKeys trusted)
    {
        // The key id is read before the signature is checked (it says which key to check with); nothing else is used
        // until the signature holds.
        if (!ModelManifestJson.TryParse(manifestBytes, out var manifest, out var error))
        {
            throw new PackageRejectedException($"its manifest is refused: {error}");
        }

        if (ManifestSignature.Verify(manifestBytes, signature, manifest.KeyId, trusted) is { } refused)
        {
            throw new PackageRejectedException(refused);
        }

        return manifest;
    }

    /// <summary>Writes a package archive: the manifest, its signature and the files it names.</summary>
    public static void Write(Stream archive, byte[] manifestBytes, string signature, IReadOnlyDictionary<string, byte[]> files)
    {
        ArgumentNullException.ThrowIfNull(archive);
        using var zip = new ZipArchive(archive, ZipArchiveMode.Create, leaveOpen: true);
        WriteEntry(zip, ManifestFile, manifestBytes);
        WriteEntry(zip, SignatureFile, Encoding.ASCII.GetBytes(signature));
        foreach (var (path, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            WriteEntry(zip, path, bytes);
        }
    }

    /// <summary>SHA-256 as the manifest writes it: 64 lowercase hex digits.</summary>
    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>SHA-256 of a file, streamed.</summary>
    public static string Sha256OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static byte[] ReadEntry(Dictionary<string, ZipArchiveEntry> entries, string path, long limit)
    {
        if (!entries.TryGetValue(path, out var entry))
        {
            throw new PackageRejectedException($"the package has no {path}");
        }

        // The declared length is checked before inflating, and the inflated length again while reading: an archive
        // that lies about either cannot make this read more than the limit.
        if (entry.Length > limit)
        {
            throw new PackageRejectedException($"{path} is {entry.Length} bytes, more than the {limit} expected");
        }

        try
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream((int)Math.Min(entry.Length, int.MaxValue));
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new PackageRejectedException($"{path} inflates to more than the {limit} bytes expected");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new PackageRejectedException($"{path} cannot be read from the archive: {ex.Message}", ex);
        }
    }

    private static void WriteEntry(ZipArchive zip, string path, byte[] bytes)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var stream = entry.Open();
        stream.Write(bytes);
    }
}
