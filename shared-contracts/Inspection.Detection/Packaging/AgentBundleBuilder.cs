using System.Security.Cryptography;

namespace Inspection.Detection.Packaging;

/// <summary>
/// Packs a published edge agent (the folder <c>dotnet publish</c> wrote) into a signed <see cref="AgentBundle"/>:
/// every file with its size and SHA-256, the version, the executable the service starts, signed with the publisher key
/// that signs model packages.
/// </summary>
public static class AgentBundleBuilder
{
    /// <summary>
    /// Writes the bundle of <paramref name="publishFolder"/> to <paramref name="output"/>. Refuses a folder with a
    /// symbolic link (a release holds plain files), without <paramref name="entry"/>, or with a path a device would
    /// refuse. Throws <see cref="InvalidDataException"/> with the reason.
    /// </summary>
    public static AgentManifest Pack(string publishFolder, string version, string entry, ECDsa key, Stream output, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(time);
        var root = Path.GetFullPath(publishFolder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The publish folder '{publishFolder}' does not exist.");
        }

        var files = new List<PackageFile>();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                throw new InvalidDataException($"'{path}' is a symbolic link: devices refuse links in a release; publish plain files.");
            }

            if (info.Attributes.HasFlag(FileAttributes.Directory))
            {
                continue;
            }

            var relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (!AgentManifestJson.IsSafePath(relative))
            {
                throw new InvalidDataException($"'{relative}' is a file name devices refuse (letters, digits, '.', '_', '-', '+' and '/' only).");
            }

            files.Add(new PackageFile(relative, ModelPackage.Sha256OfFile(path), info.Length));
        }

        var manifest = new AgentManifest(
            AgentManifest.CurrentSchemaVersion,
            AgentManifest.BundleKind,
            version,
            ManifestSignature.KeyIdOf(key),
            entry,
            files,
            time.GetUtcNow());
        if (AgentManifestJson.Validate(manifest) is { } invalid)
        {
            throw new InvalidDataException($"The bundle would be refused: {invalid}.");
        }

        var bytes = AgentManifestJson.Serialize(manifest);
        AgentBundle.Write(output, bytes, ManifestSignature.Sign(bytes, key), manifest, root);
        return manifest;
    }
}
