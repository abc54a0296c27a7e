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
        // Replicas given one key folder may start together: one makes the key under a lock, the others wait for it and
        // read it. A key that exists is read without the lock (its folder may be read-only), and again after the lock
        // when it was read while being written.
        if (File.Exists(PrivateKeyPath))
        {
            try
            {
                _key = Read(PrivateKeyPath);
            }
            catch (InvalidDataException) when (WaitForKeyWriter(PrivateKeyPath))
            {
                _key = Read(PrivateKeyPath);
            }

            KeyId = DesiredStateSignature.KeyIdOf(_key);
            Log.KeyLoaded(logger, KeyId, PrivateKeyPath);
            return;
        }

        using (KeyFolderLock(PrivateKeyPath))
        {
            var made = !File.Exists(PrivateKeyPath);
            var publicPath = string.Empty;
            _key = made ? Create(PrivateKeyPath, out publicPath) : Read(PrivateKeyPath);
            KeyId = DesiredStateSignature.KeyIdOf(_key);
            if (made)
            {
                Log.KeyGenerated(logger, KeyId, PrivateKeyPath, publicPath);
            }
            else
            {
                Log.KeyLoaded(logger, KeyId, PrivateKeyPath);
            }
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

    // An exclusive flock on <key>.lock (FileShare.None on Linux), held while the key is looked for and made. A holder
    // that dies releases it with its process; waiting is bounded, as making a key takes milliseconds.
    // True once a process that was writing the key (it holds the lock file) has finished; false when none ever did.
    private static bool WaitForKeyWriter(string privatePath)
    {
        if (!File.Exists(privatePath + ".lock"))
        {
            return false;
        }

        KeyFolderLock(privatePath).Dispose();
        return true;
    }

    private static FileStream KeyFolderLock(string privatePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(privatePath)!);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(privatePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(20);
            }
        }
    }

    private static ECDsa Create(string privatePath, out string publicPath)
    {
        var folder = Path.GetDirectoryName(privatePath)!;
        Directory.CreateDirectory(Path.Combine(folder, PublicFolderName));
        publicPath = Path.Combine(folder, PublicFolderName, PublicFileName);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                // Owner-only before a byte of the private key is written.
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(privatePath, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(key.ExportPkcs8PrivateKeyPem());
            }

            File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem());
            return key;
        }
        catch
        {
            key.Dispose();
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
