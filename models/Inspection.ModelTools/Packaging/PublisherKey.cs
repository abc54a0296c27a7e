using System.Security.Cryptography;
using Inspection.Detection.Packaging;

namespace Inspection.ModelTools.Packaging;

/// <summary>
/// The publisher's key pair on disk: <c>NAME.private.pem</c> (PKCS#8, readable by its owner only) signs packages and
/// must live where models are published, never on a device or in the repository; <c>NAME.public.pem</c> goes into the
/// trusted-keys folders of the devices and the registry.
/// </summary>
public static class PublisherKey
{
    /// <summary>Creates a P-256 key pair in <paramref name="folder"/>; refuses to overwrite. Returns the key id and both paths.</summary>
    public static (string KeyId, string PrivatePath, string PublicPath) Create(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var privatePath = Path.Combine(folder, $"{name}.private.pem");
        var publicPath = Path.Combine(folder, $"{name}.public.pem");
        foreach (var path in (string[])[privatePath, publicPath])
        {
            if (File.Exists(path))
            {
                throw new IOException($"'{path}' exists already: a key is never overwritten (devices may trust it).");
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created with owner-only permissions before a byte of the private key is written.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(privatePath, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem());
        return (ManifestSignature.KeyIdOf(key), privatePath, publicPath);
    }

    /// <summary>Reads a private key written by <see cref="Create"/>; throws <see cref="InvalidDataException"/> naming the file otherwise.</summary>
    public static ECDsa ReadPrivate(string path) =>
        SigningKeyFile.ReadPrivate(path, $"'{path}'", "packages are signed with NAME.private.pem from 'keygen'");
}
