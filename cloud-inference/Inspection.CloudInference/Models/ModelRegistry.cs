using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Models;

/// <summary>
/// The registered model packages: one document per release in the cloud database (<see cref="IModelTable"/>), the
/// package's files on disk under <see cref="ModelRegistryOptions.StoragePath"/>/<c>{release}</c>. A package is accepted
/// only whole and verified (<see cref="ModelPackage.Open"/>, then <see cref="PackageValidator"/>); its files are staged
/// in a folder of their own and renamed into place. In the LiteDB file the rename comes before the document, so a
/// crash never leaves a listed release without files. On PostgreSQL the database holds the files too and is written
/// first: a replica's folder is then only a copy, written from the database when a file of a release it lacks is asked
/// for, so a package uploaded to one replica is served by every replica.
/// </summary>
public sealed partial class ModelRegistry
{
    private readonly IModelTable _models;
    private readonly ModelRegistryOptions _options;
    private readonly string _storage;
    private readonly string _trustedKeys;
    private readonly TimeProvider _time;
    private readonly ILogger<ModelRegistry> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // One copy from the database at a time: two requests for a release this replica lacks write it once.
    private readonly Lock _copy = new();

    public ModelRegistry(
        IModelTable models,
        IOptions<ModelRegistryOptions> options,
        IHostEnvironment environment,
        TimeProvider time,
        ILogger<ModelRegistry> logger)
    {
        _models = models;
        _options = options.Value;
        _storage = Path.GetFullPath(_options.StoragePath, environment.ContentRootPath);
        _trustedKeys = Path.GetFullPath(_options.TrustedKeysPath, environment.ContentRootPath);
        _time = time;
        _logger = logger;
    }

    /// <summary>The largest package accepted (<see cref="ModelRegistryOptions.MaxPackageMegabytes"/>).</summary>
    public long MaxPackageBytes => _options.MaxPackageBytes;

    /// <summary>Every release, newest first.</summary>
    public IReadOnlyList<RegisteredModel> List() => _models.List();

    public RegisteredModel? Find(long release) => _models.Find(release);

    /// <summary>
    /// The path on disk of a file of a registered package (<c>manifest.json</c>, <c>manifest.sig</c> or a file the
    /// manifest names), or null when there is no such file.
    /// </summary>
    public string? FilePath(long release, string path)
    {
        if (Find(release) is null)
        {
            return null;
        }

        var folder = Path.Combine(_storage, release.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var full = Path.GetFullPath(Path.Combine(folder, path));
        if (_models.HoldsFiles && !Directory.Exists(folder))
        {
            CopyFromDatabase(release, folder);
        }

        // Only files inside the release's folder, whatever the request's path says.
        return full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full) ? full : null;
    }

    /// <summary>
    /// The desired-state reference to a registered release, with absolute URLs under <paramref name="baseUrl"/>, or
    /// null when the release is not registered.
    /// </summary>
    public ModelTarget? TargetFor(long release, Uri baseUrl, int? shadowFrames, double? minAgreement, int? healthFrames)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (Find(release) is not { } model)
        {
            return null;
        }

        return new ModelTarget(
            model.Name,
            model.Id,
            model.Version,
            model.Sha256,
            model.Size,
            new Uri(baseUrl, ModelsApiExtensions.FileUrl(model.Id, ModelPackage.ManifestFile)).AbsoluteUri,
            model.ManifestSha256,
            model.Signature,
            shadowFrames,
            minAgreement,
            healthFrames);
    }

    /// <summary>The refusal of a package over the limit.</summary>
    public static string TooLarge(long maxBytes) =>
        $"the package is larger than Cloud:Models:MaxPackageMegabytes ({maxBytes / (1024 * 1024)} MB)";

    /// <summary>Reads, verifies, validates and stores an uploaded package archive.</summary>
    public async Task<RegistrationResult> RegisterAsync(Stream body, string uploadedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        Directory.CreateDirectory(_storage);
        var upload = Path.Combine(_storage, $".upload-{Guid.NewGuid():N}");
        try
        {
            if (!await BoundedCopy.ToFileAsync(body, upload, _options.MaxPackageBytes, cancellationToken).ConfigureAwait(false))
            {
                return Refused(StatusCodes.Status413PayloadTooLarge, TooLarge(_options.MaxPackageBytes), uploadedBy);
            }

            // One registration at a time: uploads are rare, and the release check and the rename must not interleave.
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

    private RegistrationResult Register(string upload, string uploadedBy)
    {
        if (!Directory.Exists(_trustedKeys))
        {
            return Refused(
                StatusCodes.Status422UnprocessableEntity,
                $"the registry trusts no publisher key yet: put the publisher's NAME.public.pem into {_trustedKeys} (Cloud:Models:TrustedKeysPath)",
                uploadedBy);
        }

        ModelPackage package;
        try
        {
            using var trusted = TrustedKeys.Load(_trustedKeys, "registry");
            using var stream = File.OpenRead(upload);
            package = ModelPackage.Open(stream, trusted, _options.MaxPackageBytes);
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

        var manifest = package.Manifest;
        if (Find(manifest.Release) is not null)
        {
            return AlreadyRegistered(manifest.Release, uploadedBy);
        }

        var release = manifest.Release.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var staged = Path.Combine(_storage, $".staging-{release}-{Guid.NewGuid():N}");
        var final = Path.Combine(_storage, release);
        try
        {
            Stage(package, staged);
            string validation;
            try
            {
                validation = PackageValidator.Validate(manifest, staged, _logger);
            }
            catch (PackageRejectedException ex)
            {
                return Refused(StatusCodes.Status422UnprocessableEntity, ex.Message, uploadedBy);
            }

            var model = new RegisteredModel
            {
                Id = manifest.Release,
                Name = manifest.Name,
                Version = manifest.Version,
                Sha256 = manifest.Model.Sha256,
                Size = manifest.Model.Size,
                KeyId = manifest.KeyId,
                ManifestSha256 = ModelPackage.Sha256Of(package.ManifestBytes),
                Signature = package.Signature,
                UploadedAt = _time.GetUtcNow().UtcDateTime,
                UploadedBy = uploadedBy,
                Validation = validation,
            };
            IReadOnlyList<(string Path, byte[] Bytes)> files = [
                (ModelPackage.ManifestFile, package.ManifestBytes),
                (ModelPackage.SignatureFile, System.Text.Encoding.UTF8.GetBytes(package.Signature)),
                .. package.Files.Select(f => (f.Key, f.Value))];
            if (_models.HoldsFiles)
            {
                // The database first: once it holds the release, every replica can serve it, this one included.
                if (files.FirstOrDefault(f => f.Bytes.LongLength > _models.MaxFileBytes) is { Path: not null } huge)
                {
                    return Refused(
                        StatusCodes.Status413PayloadTooLarge,
                        $"{huge.Path} is {huge.Bytes.LongLength / (1024 * 1024)} MB: the shared PostgreSQL registry keeps files up to 1 GB each",
                        uploadedBy);
                }

                if (!_models.TryInsert(model, files))
                {
                    return AlreadyRegistered(manifest.Release, uploadedBy);
                }

                MoveIntoPlace(staged, final);
            }
            else
            {
                MoveIntoPlace(staged, final);
                _models.TryInsert(model, files);
            }

            Log.Registered(_logger, manifest.Name, manifest.Version, manifest.Release, manifest.Model.Sha256, uploadedBy, validation);
            return RegistrationResult.Accepted(model);
        }
        finally
        {
            if (Directory.Exists(staged))
            {
                Directory.Delete(staged, recursive: true);
            }
        }
    }

    private RegistrationResult AlreadyRegistered(long release, string uploadedBy)
    {
        var existing = Find(release);
        return Refused(
            StatusCodes.Status409Conflict,
            existing is null
                ? $"release {release} is registered already: every package needs a new release number"
                : $"release {release} is registered already ({existing.Name} {existing.Version}, sha256 {existing.Sha256[..12]}…): every package needs a new release number",
            uploadedBy);
    }

    private static void MoveIntoPlace(string staged, string final)
    {
        if (Directory.Exists(final))
        {
            // Left by a registration that died between the rename and the document: no document lists it.
            Directory.Delete(final, recursive: true);
        }

        Directory.Move(staged, final);
    }

    // Writes a release the database holds into this replica's folder: staged, then renamed whole, so a file is never
    // served half-written.
    private void CopyFromDatabase(long release, string folder)
    {
        lock (_copy)
        {
            if (Directory.Exists(folder) || _models.Files(release) is not { Count: > 0 } files)
            {
                return;
            }

            var staged = Path.Combine(_storage, $".copy-{release}-{Guid.NewGuid():N}");
            try
            {
                foreach (var (path, bytes) in files)
                {
                    var target = Path.GetFullPath(Path.Combine(staged, path));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.WriteAllBytes(target, bytes);
                }

                Directory.Move(staged, folder);
                Log.Copied(_logger, release, files.Count, folder);
            }
            finally
            {
                if (Directory.Exists(staged))
                {
                    Directory.Delete(staged, recursive: true);
                }
            }
        }
    }

    private static void Stage(ModelPackage package, string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, ModelPackage.ManifestFile), package.ManifestBytes);
        File.WriteAllText(Path.Combine(folder, ModelPackage.SignatureFile), package.Signature);
        foreach (var (path, bytes) in package.Files)
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, bytes);
        }
    }

    private RegistrationResult Refused(int status, string error, string uploadedBy)
    {
        Log.Refused(_logger, uploadedBy, status, error);
        return RegistrationResult.Refused(status, error);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Registered model {Name} {Version} as release {Release} (sha256 {Sha256}), uploaded by {UploadedBy}: {Validation}")]
        public static partial void Registered(ILogger logger, string name, string version, long release, string sha256, string uploadedBy, string validation);

        [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Refused a model package uploaded by {UploadedBy} ({Status}): {Reason}")]
        public static partial void Refused(ILogger logger, string uploadedBy, int status, string reason);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Release {Release} ({Files} files) copied from the shared database into {Folder}")]
        public static partial void Copied(ILogger logger, long release, int files, string folder);
    }
}
