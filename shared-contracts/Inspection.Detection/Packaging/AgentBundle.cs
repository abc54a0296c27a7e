using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Inspection.Detection.Packaging;

/// <summary>
/// An edge agent release as one archive (zip): <c>manifest.json</c> (an <see cref="AgentManifest"/>), <c>manifest.sig</c>
/// and the files the manifest names, nothing else. Signed with the same scheme and publisher keys as model packages.
/// Unlike a model package it is too large to hold in memory, so <see cref="Extract"/> streams every file to disk and
/// hashes it on the way; it trusts nothing it has not verified: the signature first, then every entry's name (no path
/// that leaves the folder, no symbolic link, nothing the manifest does not name), size and SHA-256.
/// </summary>
public static class AgentBundle
{
    // Unix file type bits as zip tools store them in the high half of an entry's external attributes.
    private const int UnixTypeMask = 0xF000;
    private const int UnixSymlink = 0xA000;
    private const int UnixRegular = 0x8000;

    /// <summary>Reads and verifies only the manifest and its signature. Throws <see cref="PackageRejectedException"/>.</summary>
    public static AgentManifest ReadManifest(Stream archive, TrustedKeys trusted)
    {
        using var zip = OpenZip(archive);
        var entries = Index(zip);
        return VerifyManifest(entries, trusted);
    }

    /// <summary>
    /// Verifies the bundle and writes its files into <paramref name="folder"/> (created; must not exist or be empty).
    /// The entry is made executable. Throws <see cref="PackageRejectedException"/> with the reason for anything that is
    /// not a complete release signed by a trusted key, or larger than <paramref name="maxBytes"/> in all; the folder
    /// then holds a partial, unverified release the caller deletes.
    /// </summary>
    public static AgentManifest Extract(Stream archive, TrustedKeys trusted, string folder, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        using var zip = OpenZip(archive);
        var entries = Index(zip);
        var manifest = VerifyManifest(entries, trusted);
        if (manifest.TotalSize() > maxBytes)
        {
            throw new PackageRejectedException($"the release is {manifest.TotalSize()} bytes, more than the {maxBytes} accepted");
        }

        var named = manifest.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var extra = entries.Keys.FirstOrDefault(p => p is not (ModelPackage.ManifestFile or ModelPackage.SignatureFile) && !named.Contains(p));
        if (extra is not null)
        {
            throw new PackageRejectedException($"the bundle holds {extra}, which its manifest does not name");
        }

        var root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);
        foreach (var file in manifest.Files)
        {
            if (!entries.TryGetValue(file.Path, out var entry))
            {
                throw new PackageRejectedException($"the bundle has no {file.Path}, which its manifest names");
            }

            if (IsLink(entry))
            {
                throw new PackageRejectedException($"{file.Path} is a symbolic link: a release holds plain files only");
            }

            // The manifest's paths are checked as plain relative ones; this is the last word that the file lands inside.
            var target = Path.GetFullPath(Path.Combine(root, file.Path));
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new PackageRejectedException($"{file.Path} would be written outside the release folder");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            WriteVerified(entry, file, target);
            if (file.Path == manifest.Entry && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }

        return manifest;
    }

    /// <summary>
    /// Writes a bundle: the manifest, its signature and the files it names, read from <paramref name="folder"/>.
    /// </summary>
    public static void Write(Stream archive, byte[] manifestBytes, string signature, AgentManifest manifest, string folder)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var zip = new ZipArchive(archive, ZipArchiveMode.Create, leaveOpen: true);
        WriteEntry(zip, ModelPackage.ManifestFile, new MemoryStream(manifestBytes), UnixRegular | 0b110_100_100);
        WriteEntry(zip, ModelPackage.SignatureFile, new MemoryStream(Encoding.ASCII.GetBytes(signature)), UnixRegular | 0b110_100_100);
        foreach (var file in manifest.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            using var source = File.OpenRead(Path.Combine(folder, file.Path));
            WriteEntry(zip, file.Path, source, UnixRegular | (file.Path == manifest.Entry ? 0b111_101_101 : 0b110_100_100));
        }
    }

    private static ZipArchive OpenZip(Stream archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        try
        {
            return new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new PackageRejectedException($"the bundle is not a zip archive ({ex.Message})", ex);
        }
    }

    private static Dictionary<string, ZipArchiveEntry> Index(ZipArchive zip)
    {
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/') && !IsLink(entry))
            {
                continue;
            }

            if (!AgentManifestJson.IsSafePath(entry.FullName))
            {
                throw new PackageRejectedException($"the bundle holds '{entry.FullName}', a path that is not a plain relative one inside the release");
            }

            if (IsLink(entry))
            {
                throw new PackageRejectedException($"{entry.FullName} is a symbolic link: a release holds plain files only");
            }

            if (!entries.TryAdd(entry.FullName, entry))
            {
                throw new PackageRejectedException($"the bundle holds {entry.FullName} twice");
            }
        }

        return entries;
    }

    private static AgentManifest VerifyManifest(Dictionary<string, ZipArchiveEntry> entries, TrustedKeys trusted)
    {
        var manifestBytes = ReadSmall(entries, ModelPackage.ManifestFile, ModelPackage.MaxManifestBytes);
        var signature = Encoding.ASCII.GetString(ReadSmall(entries, ModelPackage.SignatureFile, 1024));

        // The key id is read before the signature is checked (it says which key to check with); nothing else is used
        // until the signature holds.
        if (!AgentManifestJson.TryParse(manifestBytes, out var manifest, out var error))
        {
            throw new PackageRejectedException($"its manifest is refused: {error}");
        }

        if (ManifestSignature.Verify(manifestBytes, signature, manifest.KeyId, trusted) is { } refused)
        {
            throw new PackageRejectedException(refused);
        }

        return manifest;
    }

    private static bool IsLink(ZipArchiveEntry entry) => ((entry.ExternalAttributes >> 16) & UnixTypeMask) == UnixSymlink;

    private static byte[] ReadSmall(Dictionary<string, ZipArchiveEntry> entries, string path, int limit)
    {
        if (!entries.TryGetValue(path, out var entry))
        {
            throw new PackageRejectedException($"the bundle has no {path}");
        }

        using var buffer = new MemoryStream();
        Copy(entry, path, buffer, limit);
        return buffer.ToArray();
    }

    private static void WriteVerified(ZipArchiveEntry entry, PackageFile file, string target)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        using (var hashing = new HashingStream(output, hash))
        {
            Copy(entry, file.Path, hashing, file.Size);
            if (output.Length != file.Size)
            {
                throw new PackageRejectedException($"{file.Path} is {output.Length} bytes, the manifest says {file.Size}: truncated or replaced");
            }

            // Durable before the release is declared complete (the folder is renamed into place after this).
            output.Flush(flushToDisk: true);
        }

        if (!Convert.ToHexStringLower(hash.GetHashAndReset()).Equals(file.Sha256, StringComparison.Ordinal))
        {
            throw new PackageRejectedException($"{file.Path} does not match the SHA-256 in the signed manifest: the file was changed or damaged");
        }
    }

    private static void Copy(ZipArchiveEntry entry, string path, Stream output, long limit)
    {
        // The declared length is checked before inflating, and the inflated length again while reading: an archive
        // that lies about either cannot make this write more than the limit.
        if (entry.Length > limit)
        {
            throw new PackageRejectedException($"{path} is {entry.Length} bytes, more than the {limit} expected");
        }

        try
        {
            using var stream = entry.Open();
            var chunk = new byte[81920];
            long total = 0;
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new PackageRejectedException($"{path} inflates to more than the {limit} bytes expected");
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new PackageRejectedException($"{path} cannot be read from the bundle: {ex.Message}", ex);
        }
    }

    private static void WriteEntry(ZipArchive zip, string path, Stream source, int unixMode)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        entry.ExternalAttributes = unixMode << 16;
        using var stream = entry.Open();
        source.CopyTo(stream);
    }

    /// <summary>Passes writes through to a stream and into a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
