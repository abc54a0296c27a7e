using System.Security.Cryptography;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// Holds the cloud's control key and signs every desired state (<see cref="DesiredStateSignature"/>) and reviewed
/// verdict (<see cref="ReviewVerdictSignature"/>) the cloud publishes with it. The key is read, or generated once, when the service starts.
/// </summary>
public sealed partial class DesiredStateSigner : IDisposable
{
    /// <summary>File name of a generated private key.</summary>
    public const string PrivateFileName = "control.private.pem";

    /// <summary>
    /// Folder, beside the private key, a generated key's public half is written to: it holds only public keys, so it
    /// can be copied as it is into a device's <c>Control:TrustedKeysPath</c>.
    /// </summary>
    public const string PublicFolderName = "control-keys";

    /// <summary>File name of the public key in <see cref="PublicFolderName"/>: what devices pin.</summary>
    public const string PublicFileName = "control.public.pem";

    private readonly ECDsa _key;

    public DesiredStateSigner(IOptions<ControlOptions> options, IOptions<CloudOptions> cloud, IHostEnvironment environment, ILogger<DesiredStateSigner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(environment);
        var configured = options.Value.SigningKeyPath;
        PrivateKeyPath = string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(cloud.Value.StoragePath, environment.ContentRootPath))!, PrivateFileName)
            : Path.GetFullPath(configured, environment.ContentRootPath);
        if (File.Exists(PrivateKeyPath))
        {
            _key = Read(PrivateKeyPath);
            KeyId = DesiredStateSignature.KeyIdOf(_key);
            Log.KeyLoaded(logger, KeyId, PrivateKeyPath);
        }
        else if (Create(PrivateKeyPath, out var publicPath) is { } created)
        {
            _key = created;
            KeyId = DesiredStateSignature.KeyIdOf(_key);
            Log.KeyGenerated(logger, KeyId, PrivateKeyPath, publicPath);
        }
        else
        {
            // Another process sharing the folder (a second replica starting at the same moment) made it first.
            _key = Read(PrivateKeyPath);
            KeyId = DesiredStateSignature.KeyIdOf(_key);
            Log.KeyLoaded(logger, KeyId, PrivateKeyPath);
        }
    }

    /// <summary>Where the private key is.</summary>
    public string PrivateKeyPath { get; }

    /// <summary>The id devices know the key by.</summary>
    public string KeyId { get; }

    /// <summary>The payload to publish for <paramref name="state"/>.</summary>
    public byte[] Sign(DesiredState state) => DesiredStateSignature.Sign(state, _key);

    /// <summary>The payload to publish for <paramref name="verdict"/>: the same key, so devices trust it by the same pin.</summary>
    public byte[] Sign(ReviewVerdict verdict) => ReviewVerdictSignature.Sign(verdict, _key);

    public void Dispose() => _key.Dispose();

    private static ECDsa Read(string path) =>
        SigningKeyFile.ReadPrivate(path, $"'{path}' (Cloud:Control:SigningKeyPath)", "it must be the cloud's control private key (PEM, P-256)");

    // The key is written whole to a file of its own and then renamed into place without replacing anything, so a process
    // that finds the file never reads half a key; null when another process's key got there first.
    private static ECDsa? Create(string privatePath, out string publicPath)
    {
        var folder = Path.GetDirectoryName(privatePath)!;
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(Path.Combine(folder, PublicFolderName));
        publicPath = Path.Combine(folder, PublicFolderName, PublicFileName);
        var staging = $"{privatePath}.{Environment.ProcessId}.{Guid.NewGuid():N}.new";
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                // Owner-only before a byte of the private key is written.
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(staging, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(key.ExportPkcs8PrivateKeyPem());
            }

            try
            {
                File.Move(staging, privatePath, overwrite: false);
            }
            catch (IOException) when (File.Exists(privatePath))
            {
                File.Delete(staging);
                key.Dispose();
                return null;
            }

            var publicStaging = $"{publicPath}.{Environment.ProcessId}.{Guid.NewGuid():N}.new";
            File.WriteAllText(publicStaging, key.ExportSubjectPublicKeyInfoPem());
            File.Move(publicStaging, publicPath, overwrite: true);
            return key;
        }
        catch
        {
            key.Dispose();
            File.Delete(staging);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2400, Level = LogLevel.Information, Message = "Desired states are signed with control key {KeyId} from {Path}")]
        public static partial void KeyLoaded(ILogger logger, string keyId, string path);

        [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "Generated the cloud's control key {KeyId} at {PrivatePath}: copy its public key {PublicPath} into every device's Control:TrustedKeysPath folder, or the devices refuse the cloud's desired states. Keep the private key: a new one locks out every device that pins this one")]
        public static partial void KeyGenerated(ILogger logger, string keyId, string privatePath, string publicPath);
    }
}
