using Inspection.CloudInference.Models;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.AgentReleases;

/// <summary>
/// The registered edge agent releases: one record per version in the cloud's table (<see cref="IAgentReleaseTable"/>:
/// the LiteDB file, or PostgreSQL shared by every replica together with the bundle's bytes), the bundle itself on disk
/// under <see cref="AgentReleaseOptions.StoragePath"/> as <c>agent-{version}.zip</c>, served to devices byte for byte.
/// A bundle is accepted only whole and verified the way a device verifies it (<see cref="AgentBundle.Extract"/>: the
/// signature against the trusted publisher keys, then every file's name, size and SHA-256), so a bundle every device
/// would refuse never reaches one. A listed release always has its bundle: on LiteDB the file is renamed into place
/// before the record is written; on PostgreSQL record and bundle go in together, and a replica without the file
/// writes it from the database on first request.
/// </summary>
public sealed partial class AgentReleaseStore
{
    private readonly IAgentReleaseTable _releases;
    private readonly AgentReleaseOptions _options;
    private readonly string _storage;
    private readonly string _trustedKeys;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentReleaseStore> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // One copy from the database at a time: two requests for a bundle this replica lacks write it once.
    private readonly SemaphoreSlim _copy = new(1, 1);

    public AgentReleaseStore(
        IAgentReleaseTable releases,
        IOptions<AgentReleaseOptions> options,
        IOptions<ModelRegistryOptions> models,
        IHostEnvironment environment,
        TimeProvider time,
        ILogger<AgentReleaseStore> logger)
    {
        _releases = releases;
        _options = options.Value;
        _storage = Path.GetFullPath(_options.StoragePath, environment.ContentRootPath);
        _trustedKeys = Path.GetFullPath(models.Value.TrustedKeysPath, environment.ContentRootPath);
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The largest bundle accepted: <see cref="AgentReleaseOptions.MaxBundleMegabytes"/>, or less when the table cannot
    /// keep that much in one value (<see cref="IAgentReleaseTable.MaxBundleBytes"/>).
    /// </summary>
    public long MaxBundleBytes => Math.Min(_options.MaxBundleBytes, _releases.MaxBundleBytes);

    /// <summary>The refusal of a bundle over <see cref="MaxBundleBytes"/>, naming which limit it is.</summary>
    public string TooLarge => _releases.MaxBundleBytes < _options.MaxBundleBytes
        ? $"the bundle is larger than {_releases.MaxBundleBytes / (1024 * 1024)} MB, the most the shared PostgreSQL store keeps in one value (Cloud:AgentReleases:MaxBundleMegabytes is {_options.MaxBundleMegabytes})"
        : $"the bundle is larger than Cloud:AgentReleases:MaxBundleMegabytes ({_options.MaxBundleMegabytes} MB)";

    /// <summary>Newest upload first.</summary>
    public IReadOnlyList<AgentRelease> List() => [.. _releases.List().OrderByDescending(r => r.UploadedAt).ThenByDescending(r => r.Version, StringComparer.Ordinal)];

    public AgentRelease? Find(string version) => _releases.Find(version);

    /// <summary>
    /// The bundle file of a registered release, or null. A replica that lacks the file writes it from the shared
    /// database first.
    /// </summary>
    public async Task<string?> BundlePathAsync(string version, CancellationToken cancellationToken)
    {
        if (Find(version) is null)
        {
            return null;
        }

        var path = Path.Combine(_storage, BundleFile(version));
        if (!File.Exists(path) && _releases.HoldsBundles)
        {
            await CopyFromDatabaseAsync(version, path, cancellationToken).ConfigureAwait(false);
        }

        return File.Exists(path) ? path : null;
    }

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

    /// <summary>Reads, verifies and stores an uploaded agent bundle.</summary>
    public async Task<AgentReleaseResult> RegisterAsync(Stream body, string uploadedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        Directory.CreateDirectory(_storage);
        var upload = Path.Combine(_storage, $".upload-{Guid.NewGuid():N}");
        try
        {
            if (!await BoundedCopy.ToFileAsync(body, upload, MaxBundleBytes, cancellationToken).ConfigureAwait(false))
            {
                return Refused(StatusCodes.Status413PayloadTooLarge, TooLarge, uploadedBy);
            }

            // One registration at a time: the version check and the rename must not interleave.
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await RegisterAsync(upload, uploadedBy, cancellationToken).ConfigureAwait(false);
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

    private async Task<AgentReleaseResult> RegisterAsync(string upload, string uploadedBy, CancellationToken cancellationToken)
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

            if (Find(manifest.Version) is not null)
            {
                return AlreadyRegistered(manifest.Version, uploadedBy);
            }

            using var stream = File.OpenRead(upload);
            manifest = AgentBundle.Extract(stream, trusted, scratch, MaxBundleBytes);
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
        if (_releases.HoldsBundles)
        {
            // The database first: once it holds the release, every replica can serve it, this one included.
            if (!await _releases.TryInsertAsync(release, upload, cancellationToken).ConfigureAwait(false))
            {
                return AlreadyRegistered(release.Version, uploadedBy);
            }

            File.Move(upload, final, overwrite: true);
        }
        else
        {
            // Overwrites a file left by a registration that died between the rename and the record: no record lists it.
            File.Move(upload, final, overwrite: true);
            await _releases.TryInsertAsync(release, final, cancellationToken).ConfigureAwait(false);
        }

        Log.Registered(_logger, release.Version, release.Sha256, release.Size, uploadedBy);
        return AgentReleaseResult.Accepted(release);
    }

    private AgentReleaseResult AlreadyRegistered(string version, string uploadedBy)
    {
        var existing = Find(version);
        return Refused(
            StatusCodes.Status409Conflict,
            existing is null
                ? $"agent {version} is registered already: every bundle needs a new version"
                : $"agent {version} is registered already (uploaded by {existing.UploadedBy}, sha256 {existing.Sha256[..12]}…): every bundle needs a new version",
            uploadedBy);
    }

    // Writes a bundle the database holds into this replica's folder: to a scratch file, then renamed, so a bundle is
    // never served half-written.
    private async Task CopyFromDatabaseAsync(string version, string path, CancellationToken cancellationToken)
    {
        await _copy.WaitAsync(cancellationToken).ConfigureAwait(false);
        var staged = Path.Combine(_storage, $".copy-{Guid.NewGuid():N}");
        try
        {
            if (File.Exists(path))
            {
                return;
            }

            Directory.CreateDirectory(_storage);
            bool copied;
            await using (var target = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                copied = await _releases.CopyBundleAsync(version, target, cancellationToken).ConfigureAwait(false);
            }

            if (copied)
            {
                File.Move(staged, path);
                Log.Copied(_logger, version, new FileInfo(path).Length, path);
            }
        }
        finally
        {
            File.Delete(staged);
            _copy.Release();
        }
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

        [LoggerMessage(EventId = 3052, Level = LogLevel.Information, Message = "Wrote agent release {Version}'s bundle ({Size} bytes) from the shared database to {Path}")]
        public static partial void Copied(ILogger logger, string version, long size, string path);
    }
}
