using Inspection.CloudInference.Models;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.AgentReleases;

/// <summary>
/// The registered edge agent releases: one document per version in the cloud database, the bundle itself on disk under
/// <see cref="AgentReleaseOptions.StoragePath"/> as <c>agent-{version}.zip</c>, served to devices byte for byte. A
/// bundle is accepted only whole and verified the way a device verifies it (<see cref="AgentBundle.Extract"/>: the
/// signature against the trusted publisher keys, then every file's name, size and SHA-256), so a bundle every device
/// would refuse never reaches one. The file is renamed into place before the document is written: a listed release
/// always has its bundle.
/// </summary>
public sealed partial class AgentReleaseStore
{
    private readonly ILiteCollection<AgentRelease> _releases;
    private readonly AgentReleaseOptions _options;
    private readonly string _storage;
    private readonly string _trustedKeys;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentReleaseStore> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public AgentReleaseStore(
        CloudDatabase database,
        IOptions<AgentReleaseOptions> options,
        IOptions<ModelRegistryOptions> models,
        IHostEnvironment environment,
        TimeProvider time,
        ILogger<AgentReleaseStore> logger)
    {
        _releases = database.Database.GetCollection<AgentRelease>("agent_releases");
        _options = options.Value;
        _storage = Path.GetFullPath(_options.StoragePath, environment.ContentRootPath);
        _trustedKeys = Path.GetFullPath(models.Value.TrustedKeysPath, environment.ContentRootPath);
        _time = time;
        _logger = logger;
    }

    /// <summary>The largest bundle accepted (<see cref="AgentReleaseOptions.MaxBundleMegabytes"/>).</summary>
    public long MaxBundleBytes => _options.MaxBundleBytes;

    /// <summary>Newest upload first.</summary>
    public IReadOnlyList<AgentRelease> List() => [.. _releases.FindAll().OrderByDescending(r => r.UploadedAt).ThenByDescending(r => r.Version, StringComparer.Ordinal)];

    public AgentRelease? Find(string version) => _releases.FindById(version);

    /// <summary>The bundle file of a registered release, or null.</summary>
    public string? BundlePath(string version) =>
        Find(version) is not null && File.Exists(Path.Combine(_storage, BundleFile(version))) ? Path.Combine(_storage, BundleFile(version)) : null;

    /// <summary>The desired-state reference to a registered release, its URL absolute under <paramref name="baseUrl"/>, or null.</summary>
    public AgentTarget? TargetFor(string version, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return Find(version) is { } release
            ? new AgentTarget(release.Version, new Uri(baseUrl, AgentReleasesApiExtensions.BundleUrl(release.Version)).AbsoluteUri, release.Sha256, release.Size)
            : null;
    }

    /// <summary>The bundle's file name: the one the device's <see cref="AgentTarget.Url"/> ends with.</summary>
    public static string BundleFile(string version) => $"agent-{version}.zip";

    /// <summary>The refusal of a bundle over the limit.</summary>
    public static string TooLarge(long maxBytes) =>
        $"the bundle is larger than Cloud:AgentReleases:MaxBundleMegabytes ({maxBytes / (1024 * 1024)} MB)";

    /// <summary>Reads, verifies and stores an uploaded agent bundle.</summary>
    public async Task<AgentReleaseResult> RegisterAsync(Stream body, string uploadedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        Directory.CreateDirectory(_storage);
        var upload = Path.Combine(_storage, $".upload-{Guid.NewGuid():N}");
        try
        {
            if (!await CopyBoundedAsync(body, upload, _options.MaxBundleBytes, cancellationToken).ConfigureAwait(false))
            {
                return Refused(StatusCodes.Status413PayloadTooLarge, TooLarge(_options.MaxBundleBytes), uploadedBy);
            }

            // One registration at a time: the version check and the rename must not interleave.
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return Register(upload, uploadedBy);
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            File.Delete(upload);
        }
    }

    private AgentReleaseResult Register(string upload, string uploadedBy)
    {
        if (!Directory.Exists(_trustedKeys))
        {
            return Refused(
                StatusCodes.Status422UnprocessableEntity,
                $"the cloud trusts no publisher key yet: put the publisher's NAME.public.pem into {_trustedKeys} (Cloud:Models:TrustedKeysPath)",
                uploadedBy);
        }

        // The signed manifest first (cheap): a version registered already is refused before the whole bundle is
        // unpacked. Then unpacked once into a scratch folder, exactly as a device will: every file is hashed against
        // the signed manifest.
        var scratch = Path.Combine(_storage, $".verify-{Guid.NewGuid():N}");
        AgentManifest manifest;
        try
        {
            using var trusted = TrustedKeys.Load(_trustedKeys, "agent releases");
            using (var head = File.OpenRead(upload))
            {
                manifest = AgentBundle.ReadManifest(head, trusted);
            }

            if (Find(manifest.Version) is { } existing)
            {
                return Refused(
                    StatusCodes.Status409Conflict,
                    $"agent {manifest.Version} is registered already (uploaded by {existing.UploadedBy}, sha256 {existing.Sha256[..12]}…): every bundle needs a new version",
                    uploadedBy);
            }

            using var stream = File.OpenRead(upload);
            manifest = AgentBundle.Extract(stream, trusted, scratch, _options.MaxBundleBytes);
        }
        catch (PackageRejectedException ex)
        {
            return Refused(StatusCodes.Status422UnprocessableEntity, ex.Message, uploadedBy);
        }
        catch (InvalidDataException ex)
        {
            // A file in the trusted-keys folder that is not a public key: the operator's to fix, named in the message.
            return Refused(StatusCodes.Status500InternalServerError, ex.Message, uploadedBy);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        var final = Path.Combine(_storage, BundleFile(manifest.Version));
        var size = new FileInfo(upload).Length;
        var sha256 = ModelPackage.Sha256OfFile(upload);

        // Left by a registration that died between the rename and the document: no document lists it.
        File.Move(upload, final, overwrite: true);
        var release = new AgentRelease
        {
            Version = manifest.Version,
            Sha256 = sha256,
            Size = size,
            KeyId = manifest.KeyId,
            Entry = manifest.Entry,
            Files = manifest.Files.Count,
            InstalledSize = manifest.TotalSize(),
            UploadedAt = _time.GetUtcNow().UtcDateTime,
            UploadedBy = uploadedBy,
        };
        _releases.Insert(release);
        Log.Registered(_logger, release.Version, release.Sha256, release.Size, uploadedBy);
        return AgentReleaseResult.Accepted(release);
    }

    private static async Task<bool> CopyBoundedAsync(Stream source, string path, long limit, CancellationToken cancellationToken)
    {
        await using var target = File.Create(path);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return false;
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private AgentReleaseResult Refused(int status, string error, string uploadedBy)
    {
        Log.Refused(_logger, uploadedBy, status, error);
        return AgentReleaseResult.Refused(status, error);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3050, Level = LogLevel.Information, Message = "Registered agent release {Version} (bundle sha256 {Sha256}, {Size} bytes), uploaded by {UploadedBy}")]
        public static partial void Registered(ILogger logger, string version, string sha256, long size, string uploadedBy);

        [LoggerMessage(EventId = 3051, Level = LogLevel.Warning, Message = "Refused an agent bundle uploaded by {UploadedBy} ({Status}): {Reason}")]
        public static partial void Refused(ILogger logger, string uploadedBy, int status, string reason);
    }
}
