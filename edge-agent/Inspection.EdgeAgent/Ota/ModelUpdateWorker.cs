using System.Globalization;
using System.Threading.Channels;
using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// Converges the device to the model its desired state names, as one transaction: download (resumable) → verify
/// (signature against the pinned keys and every file's SHA-256, before ONNX Runtime parses a byte) → load and warm a
/// second model while the first keeps inspecting → golden set → shadow (both models see live frames; their decisions
/// must agree) → swap between two frames → health window → commit (the pointer file) or roll back to the previous
/// model, which stays loaded until then. Every step is persisted before it is reported, so after kill -9 the agent
/// starts on the committed model and the update resumes (download, verify) or starts again from loading (load,
/// validate, shadow), or, when it died after the swap, ends as rolled back: a model that may have crashed the agent
/// is not tried again. A release that failed here is not retried; going forward means publishing a new one. The steps
/// that need the model itself (load, golden set, shadow, swap, health window, and keeping or dropping a model in
/// memory) go through <see cref="IModelSwitch"/>.
/// <para>
/// A committed release that fails at run time (the <c>model-failing</c> cause, on frames that release decided) fails
/// over by itself to the model it replaced, through the same transaction: the configured model, or the release before,
/// whose kept folder is verified again against the pinned keys. The failing release is then refused like a rolled-back
/// one. With no step back recorded the device stays <c>safe</c>.
/// </para>
/// </summary>
public sealed partial class ModelUpdateWorker : BackgroundService
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly DeviceState _state;
    private readonly IModelSwitch _models;
    private readonly UpdateStore _store;
    private readonly CommittedModelFile _committed;
    private readonly PackageDownloader _downloader;
    private readonly OtaProgressFeed _feed;
    private readonly OtaOptions _options;
    private readonly string _deviceId;
    private readonly string _trustedKeys;
    private readonly int _failuresToFailOver;
    private readonly TimeProvider _time;
    private readonly ILogger<ModelUpdateWorker> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public ModelUpdateWorker(
        DeviceState state,
        IModelSwitch models,
        UpdateStore store,
        CommittedModelFile committed,
        PackageDownloader downloader,
        OtaProgressFeed feed,
        IOptions<OtaOptions> options,
        IOptions<EdgeOptions> edge,
        IOptions<DegradationOptions> degradation,
        IHostEnvironment environment,
        TimeProvider time,
        ILogger<ModelUpdateWorker> logger)
    {
        _state = state;
        _models = models;
        _store = store;
        _committed = committed;
        _downloader = downloader;
        _feed = feed;
        _options = options.Value;
        _deviceId = edge.Value.DeviceId;
        _trustedKeys = Path.GetFullPath(_options.TrustedKeysPath, environment.ContentRootPath);
        _failuresToFailOver = degradation.Value.ModelFailuresToEnter;
        _time = time;
        _logger = logger;
        _state.Changed += Wake;
    }

    private string StagingFolder => Path.Combine(_committed.ModelsFolder, "staging");

    public override void Dispose()
    {
        _state.Changed -= Wake;
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            Recover();
            while (!stoppingToken.IsCancellationRequested)
            {
                // A model failing on the line comes first: it needs no cloud and no download.
                if (WantedFailover() is { } failover)
                {
                    await FailOverAsync(failover, stoppingToken).ConfigureAwait(false);
                }
                else if (WantedRollback() is { } rollback)
                {
                    await RollBackAsync(rollback, stoppingToken).ConfigureAwait(false);
                }
                else if (WantedTarget() is { } wanted)
                {
                    await RunAsync(wanted, stoppingToken).ConfigureAwait(false);
                }

                await _wake.Reader.ReadAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the persisted state lets the next start resume.
        }
    }

    /// <summary>
    /// A failover, when the <c>model-failing</c> cause is in force, the committed release that runs has itself failed on
    /// the frames in a row that make the cause enter (not a candidate rolled back since), a step back is recorded, and
    /// no failover from it has ended already (a second attempt would meet the same refusal, or swap back and forth).
    /// </summary>
    private Failover? WantedFailover()
    {
        if (!_state.HasCause(DegradationCause.ModelFailing)
            || _models.Running is not { Model.Release: { } release } running
            || running.FailedInARow < _failuresToFailOver)
        {
            return null;
        }

        CommittedModel? committed;
        try
        {
            committed = _committed.Read();
        }
        catch (InvalidDataException)
        {
            committed = null;
        }

        if (committed is null || committed.Release != release || committed.Previous is not { } previous)
        {
            return null;
        }

        return _store.Load() is { } record && record.RollbackFrom == release && record.Release == previous && OtaStates.IsFinal(record.State)
            ? null
            : new Failover(release, previous, running.FailedInARow);
    }

    /// <summary>The desired rollback, while the device runs the release it leaves and has not already ended it.</summary>
    private ModelRollback? WantedRollback()
    {
        if (_state.DesiredRollback is not { } rollback || _models.Running?.Model is not { } current || current.Release != rollback.From)
        {
            return null;
        }

        return _store.Load() is { } record && record.RollbackFrom == rollback.From && record.Release == (rollback.To ?? 0) && OtaStates.IsFinal(record.State)
            ? null
            : rollback;
    }

    /// <summary>The desired model, when the device does not run it and has not already ended an update to it.</summary>
    private ModelTarget? WantedTarget()
    {
        if (_state.DesiredModel is not { } target || _models.Running?.Model is not { } current || _state.DesiredRollback is not null)
        {
            return null;
        }

        if (current.Release == target.Release && current.Sha256 == target.Sha256)
        {
            return null;
        }

        var record = _store.Load();
        if ((record is { } ended && ended.Release == target.Release && OtaStates.IsFinal(ended.State)) || _store.HasFailed(target.Release))
        {
            return null;
        }

        return target;
    }

    /// <summary>After a restart: what the persisted update says it was doing, settled before anything else.</summary>
    private void Recover()
    {
        if (_store.Load() is not { } record || OtaStates.IsFinal(record.State))
        {
            return;
        }

        if (record.State is OtaStates.Swapped)
        {
            if ((_models.Running?.Model.Release ?? 0) == record.Release)
            {
                // It died after the pointer was written and before the state was: the commit stands.
                End(record, OtaStates.Committed, "committed (the agent restarted right after the commit)");
            }
            else
            {
                _store.MarkFailed(record.Release);
                End(record, OtaStates.RolledBack, "the agent restarted during the health window of this model; it runs the committed model again and does not retry this release");
            }

            return;
        }

        // Queued, downloading, verifying: the download resumes. Loading, validating, shadowing: the staged files are
        // verified again and the model loaded anew; it never decided a frame. Both happen when the target is taken up.
        Log.Resuming(_logger, record.Release, record.State);
    }

    /// <summary>
    /// A one-step rollback: back to the release committed before the running one, through the same transaction as an
    /// update (the package is fetched and verified again), or to the configured model. Refused unless the model asked
    /// for is the one the running release replaced here.
    /// </summary>
    private async Task RollBackAsync(ModelRollback rollback, CancellationToken stoppingToken)
    {
        CommittedModel? committed;
        try
        {
            committed = _committed.Read();
        }
        catch (InvalidDataException)
        {
            committed = null;
        }

        var back = rollback.To ?? 0;
        if (committed?.Previous != back)
        {
            var record = new UpdateRecord { Release = back, RollbackFrom = rollback.From, StartedAt = _time.GetUtcNow().UtcDateTime };
            End(record, OtaStates.Failed, $"rollback refused: the model release {rollback.From} replaced on this device is {Describe(committed?.Previous)}, not {Describe(back)}");
            return;
        }

        if (rollback.To is not null)
        {
            if (_state.DesiredModel is { } target && target.Release == back)
            {
                await RunAsync(target, stoppingToken, rollback.From).ConfigureAwait(false);
            }

            return;
        }

        await RollBackToConfiguredAsync(rollback.From, stoppingToken).ConfigureAwait(false);
    }

    private async Task RollBackToConfiguredAsync(long from, CancellationToken stoppingToken)
    {
        var record = new UpdateRecord { Release = 0, RollbackFrom = from, StartedAt = _time.GetUtcNow().UtcDateTime };
        Step(record, OtaStates.Queued, reason: $"back from release {from} to the configured model");
        using var superseded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        void CheckRollback()
        {
            if (_state.DesiredRollback?.From != from || _state.DesiredRollback.To is not null)
            {
                superseded.Cancel();
            }
        }

        _state.Changed += CheckRollback;
        IModelChange? change = null;
        try
        {
            Step(record, OtaStates.Loading, reason: "loading the configured model beside the running one");
            change = await _models.LoadConfiguredAsync(superseded.Token).ConfigureAwait(false);

            // The model it returns to ran here before: no shadow agreement is asked of it (the release it leaves is
            // the doubtful one), but the health window still judges it beside that release.
            await ShadowAsync(change, null, record, superseded.Token, shadowFrames: 0).ConfigureAwait(false);
            await SwapAndWatchAsync(change, record, superseded.Token).ConfigureAwait(false);
            _committed.Clear();
            change.Commit();
            _store.MarkFailed(from);
            End(record, OtaStates.Committed, $"back on the configured model; release {from} is not taken again");
            Log.Committed(_logger, "configured model", string.Empty, 0);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            change?.Rollback();
        }
        catch (OperationCanceledException) when (superseded.IsCancellationRequested)
        {
            Abandon(change, record, OtaStates.Failed, "superseded: the desired state no longer asks for this rollback", markFailed: false);
        }
        catch (UpdateRefusedException ex)
        {
            Abandon(change, record, ex.RolledBack ? OtaStates.RolledBack : OtaStates.Failed, ex.Message, markFailed: false);
        }
        catch (Exception ex) when (ex is ModelContractException or InvalidDataException or IOException)
        {
            Abandon(change, record, OtaStates.Failed, ex.Message, markFailed: false);
        }
        finally
        {
            _state.Changed -= CheckRollback;
            change?.Dispose();
        }
    }

    /// <summary>
    /// Back from a committed release that fails on the line to the model it replaced: the configured model, or the
    /// release before from its kept folder (signature and hashes verified again, golden set run again). The model it
    /// returns to ran here before, so it needs no shadow; the health window judges it on its own failures only, because
    /// the release it leaves fails and is no baseline for time or escalation rate.
    /// </summary>
    private async Task FailOverAsync(Failover failover, CancellationToken stoppingToken)
    {
        var why = string.Create(CultureInfo.InvariantCulture, $"failover: release {failover.From} failed on {failover.FailedFrames} frames in a row");
        var record = new UpdateRecord { Release = failover.To, RollbackFrom = failover.From, StartedAt = _time.GetUtcNow().UtcDateTime };
        Step(record, OtaStates.Queued, reason: $"{why}; back to {Describe(failover.To)}");
        Log.FailingOver(_logger, failover.From, failover.FailedFrames, failover.To);
        var bounds = Bounds(null) with { MaxLatencyRatio = double.MaxValue, MaxUncertainRatio = 1, UncertainSlack = 1 };
        IModelChange? change = null;
        try
        {
            ModelManifest? manifest = null;
            string? folder = null;
            if (failover.To == 0)
            {
                Step(record, OtaStates.Loading, reason: $"{why}; loading the configured model beside it");
                change = await _models.LoadConfiguredAsync(stoppingToken).ConfigureAwait(false);
            }
            else
            {
                folder = Path.Combine(_committed.ModelsFolder, failover.To.ToString(CultureInfo.InvariantCulture));
                Step(record, OtaStates.Verifying, reason: $"{why}; verifying release {failover.To} kept in {folder}");
                manifest = VerifyKept(failover.To, folder);
                change = await LoadAsync(manifest, folder, record, stoppingToken).ConfigureAwait(false);
                await ValidateAsync(change, manifest, folder, record, stoppingToken).ConfigureAwait(false);
            }

            await ShadowAsync(change, null, record, stoppingToken, shadowFrames: 0, bounds).ConfigureAwait(false);
            await SwapAndWatchAsync(change, record, stoppingToken).ConfigureAwait(false);
            if (manifest is null)
            {
                _committed.Clear();
                _store.MarkFailed(failover.From);
                change.Commit();
                End(record, OtaStates.Committed, $"{why}; back on the configured model, release {failover.From} is not taken again");
                Log.Committed(_logger, "configured model", string.Empty, 0);
            }
            else
            {
                Commit(change, manifest, folder!, record, $"{why}; back on release {failover.To}, release {failover.From} is not taken again");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            change?.Rollback();
        }
        catch (UpdateRefusedException ex)
        {
            // The model it returns to failed too: the failing release decides again and the device stays safe.
            Abandon(change, record, ex.RolledBack ? OtaStates.RolledBack : OtaStates.Failed, $"{why}; {ex.Message}", markFailed: false);
        }
        catch (Exception ex) when (ex is PackageRejectedException or ModelContractException or InvalidDataException or IOException)
        {
            Abandon(change, record, OtaStates.Failed, $"{why}; {ex.Message}", markFailed: false);
        }
        finally
        {
            change?.Dispose();
        }
    }

    /// <summary>
    /// The package of a release kept on this device (its committed folder), verified as a download is: the manifest's
    /// signature against the pinned keys, then every file against its SHA-256. A damaged or altered folder is refused,
    /// never repaired here.
    /// </summary>
    private ModelManifest VerifyKept(long release, string folder)
    {
        var manifestPath = Path.Combine(folder, ModelPackage.ManifestFile);
        var signaturePath = Path.Combine(folder, ModelPackage.SignatureFile);
        if (!File.Exists(manifestPath) || !File.Exists(signaturePath))
        {
            throw new PackageRejectedException($"release {release} is not kept in {folder} with its signed manifest, so it cannot be verified again");
        }

        if (new FileInfo(manifestPath).Length > ModelPackage.MaxManifestBytes)
        {
            throw new PackageRejectedException($"the kept manifest {manifestPath} is larger than a manifest can be");
        }

        var manifest = VerifyManifest(File.ReadAllBytes(manifestPath), File.ReadAllText(signaturePath).Trim());
        if (manifest.Release != release)
        {
            throw new PackageRejectedException($"the folder of release {release} holds the signed manifest of release {manifest.Release}");
        }

        VerifyFiles(manifest, folder, deleteMismatch: false);
        return manifest;
    }

    /// <summary>Checks a manifest's signature against the publisher keys pinned on the device.</summary>
    private ModelManifest VerifyManifest(ReadOnlySpan<byte> manifestBytes, string signature)
    {
        if (!Directory.Exists(_trustedKeys) || !Directory.EnumerateFiles(_trustedKeys, "*.pem").Any())
        {
            throw new PackageRejectedException($"the device trusts no publisher key: put the publisher's public key into {_trustedKeys} (Ota:TrustedKeysPath)");
        }

        using var trusted = TrustedKeys.Load(_trustedKeys, "device");
        return ModelPackage.Verify(manifestBytes, signature, trusted);
    }

    /// <summary>Checks every file the manifest names in <paramref name="folder"/> against its SHA-256.</summary>
    private static void VerifyFiles(ModelManifest manifest, string folder, bool deleteMismatch)
    {
        foreach (var file in manifest.Files())
        {
            var path = Path.Combine(folder, file.Path);
            if (!File.Exists(path) || ModelPackage.Sha256OfFile(path) != file.Sha256)
            {
                if (deleteMismatch)
                {
                    // A staged file that does not match is downloaded again.
                    File.Delete(path);
                }

                throw new PackageRejectedException($"{file.Path} as {(deleteMismatch ? "staged" : "kept")} does not match the SHA-256 in the signed manifest");
            }
        }
    }

    private static string Describe(long? release) => release switch
    {
        null => "not known (no step back is recorded)",
        0 => "the configured model",
        { } r => $"release {r}",
    };

    private async Task RunAsync(ModelTarget target, CancellationToken stoppingToken, long? rollbackFrom = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var record = _store.Load() is { } existing && existing.Release == target.Release && existing.RollbackFrom == rollbackFrom && !OtaStates.IsFinal(existing.State)
            ? existing
            : new UpdateRecord { Release = target.Release, RollbackFrom = rollbackFrom, StartedAt = now };
        record.TargetJson = UpdateStore.Serialize(target);
        Step(record, OtaStates.Queued, reason: rollbackFrom is { } from ? $"back from release {from} to release {target.Release}" : null);

        using var superseded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        void CheckTarget()
        {
            if (_state.DesiredModel?.Release != target.Release || _state.DesiredRollback?.From != rollbackFrom)
            {
                superseded.Cancel();
            }
        }

        _state.Changed += CheckTarget;
        IModelChange? change = null;
        try
        {
            var (manifest, folder) = await FetchAndVerifyAsync(target, record, superseded.Token, rollbackFrom is not null).ConfigureAwait(false);
            change = await LoadAsync(manifest, folder, record, superseded.Token).ConfigureAwait(false);
            await ValidateAsync(change, manifest, folder, record, superseded.Token).ConfigureAwait(false);
            await ShadowAsync(change, target, record, superseded.Token, shadowFrames: rollbackFrom is null ? null : 0).ConfigureAwait(false);
            await SwapAndWatchAsync(change, record, superseded.Token).ConfigureAwait(false);
            Commit(change, manifest, folder, record);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent stops: an uncommitted model is never kept; the persisted state resumes at the next start.
            change?.Rollback();
        }
        catch (OperationCanceledException) when (superseded.IsCancellationRequested)
        {
            Abandon(change, record, OtaStates.Failed, $"superseded: the desired state now names release {_state.DesiredModel?.Release.ToString(CultureInfo.InvariantCulture) ?? "none"}", markFailed: false);
        }
        catch (UpdateRefusedException ex)
        {
            Abandon(change, record, ex.RolledBack ? OtaStates.RolledBack : OtaStates.Failed, ex.Message, markFailed: true);
        }
        catch (Exception ex) when (ex is PackageRejectedException or DiskFullException or ModelContractException or InvalidDataException)
        {
            Abandon(change, record, OtaStates.Failed, ex.Message, markFailed: ex is not DiskFullException);
        }
        finally
        {
            _state.Changed -= CheckTarget;
            change?.Dispose();
        }
    }

    private async Task<(ModelManifest Manifest, string Folder)> FetchAndVerifyAsync(ModelTarget target, UpdateRecord record, CancellationToken cancellationToken, bool rollback = false)
    {
        // The total is known once the signed manifest names every file (the model and its golden frames).
        Step(record, OtaStates.Downloading);
        var manifestUrl = new Uri(target.ManifestUrl);
        var manifestBytes = await _downloader.GetAsync(manifestUrl, ModelPackage.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        if (ModelPackage.Sha256Of(manifestBytes) != target.ManifestSha256)
        {
            throw new PackageRejectedException($"the manifest served at {manifestUrl} is not the one the desired state names (SHA-256 differs)");
        }

        var manifest = VerifyManifest(manifestBytes, target.Signature);

        if (manifest.Release != target.Release || manifest.Model.Sha256 != target.Sha256 || manifest.Model.Size != target.Size)
        {
            throw new PackageRejectedException(
                $"the signed manifest is release {manifest.Release} with model {manifest.Model.Sha256[..12]}…, the desired state names release {target.Release} with {target.Sha256[..Math.Min(12, target.Sha256.Length)]}…");
        }

        // A rollback may go to the release the running one replaced (RollBackAsync checked which), nothing else below.
        var highest = Math.Max(_committed.HighestRelease(), _store.HighestCommitted());
        if (manifest.Release <= highest && !rollback)
        {
            throw new PackageRejectedException(
                $"release {manifest.Release} is not above release {highest}, the highest committed on this device: to go back to older weights, publish them again under a higher release");
        }

        if (!SemanticVersion.AtLeast(AgentVersion.Current, manifest.MinAgentVersion))
        {
            throw new PackageRejectedException($"the model needs edge agent {manifest.MinAgentVersion} or later; this agent is {AgentVersion.Current}");
        }

        var folder = Path.Combine(StagingFolder, manifest.Model.Sha256);
        foreach (var other in Directory.Exists(StagingFolder) ? Directory.EnumerateDirectories(StagingFolder) : [])
        {
            // Staged for a target that is no longer wanted.
            if (!string.Equals(other, folder, StringComparison.Ordinal))
            {
                TryDelete(other);
            }
        }

        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, ModelPackage.ManifestFile), manifestBytes, cancellationToken).ConfigureAwait(false);

        // Kept with the release once committed, so a failover to it can verify the folder again without the cloud.
        await File.WriteAllTextAsync(Path.Combine(folder, ModelPackage.SignatureFile), target.Signature, cancellationToken).ConfigureAwait(false);
        CheckDiskSpace(manifest, folder);

        var files = manifest.Files().ToList();
        var total = files.Sum(f => f.Size);
        Report(record, OtaStates.Downloading, bytes: files.Sum(f => PackageDownloader.StagedBytes(Path.Combine(folder, f.Path))), total: total);
        var done = 0L;
        var lastReport = _time.GetTimestamp();
        foreach (var file in files)
        {
            var before = done;
            await _downloader.DownloadAsync(
                new Uri(manifestUrl, file.Path),
                file,
                Path.Combine(folder, file.Path),
                bytes =>
                {
                    if (_time.GetElapsedTime(lastReport) >= ProgressInterval)
                    {
                        lastReport = _time.GetTimestamp();
                        Report(record, OtaStates.Downloading, bytes: before + bytes, total: total);
                    }
                },
                cancellationToken).ConfigureAwait(false);
            done += file.Size;
        }

        Step(record, OtaStates.Verifying, bytes: total, total: total);
        VerifyFiles(manifest, folder, deleteMismatch: true);

        return (manifest, folder);
    }

    private Task<IModelChange> LoadAsync(ModelManifest manifest, string folder, UpdateRecord record, CancellationToken cancellationToken)
    {
        Step(record, OtaStates.Loading, reason: "loading and warming the new model beside the running one (a TensorRT engine for new weights is built now, which can take minutes on a Jetson)");
        return _models.LoadAsync(manifest, folder, TensorRtCacheFor(manifest.Model.Sha256), cancellationToken);
    }

    private async Task ValidateAsync(IModelChange change, ModelManifest manifest, string folder, UpdateRecord record, CancellationToken cancellationToken)
    {
        Step(record, OtaStates.Validating, reason: $"{manifest.Golden.Frames.Count} golden frames on {change.ExecutionProvider}");
        if (await change.CheckGoldenSetAsync(manifest.Golden, folder, cancellationToken).ConfigureAwait(false) is { } difference)
        {
            throw new UpdateRefusedException($"the golden set fails on this device: {difference}");
        }
    }

    private async Task ShadowAsync(IModelChange change, ModelTarget? target, UpdateRecord record, CancellationToken cancellationToken, int? shadowFrames = null, HealthBounds? bounds = null)
    {
        var shadowing = change.ShadowAsync(shadowFrames ?? target?.ShadowFrames ?? _options.ShadowFrames, bounds ?? Bounds(target), cancellationToken);
        Step(record, OtaStates.Shadowing, agreement: 1, frames: 0);
        var shadow = await WithProgressAsync(
            shadowing,
            () =>
            {
                var soFar = change.ShadowSoFar;
                Report(record, OtaStates.Shadowing, agreement: soFar.Agreement, frames: soFar.Frames);
            },
            cancellationToken).ConfigureAwait(false);
        var needed = target?.MinAgreement ?? _options.MinAgreement;
        if (shadow.CandidateErrors > 0)
        {
            throw new UpdateRefusedException($"the new model failed on {shadow.CandidateErrors} of {shadow.Frames} shadow frames");
        }

        if (shadow.Agreement < needed)
        {
            throw new UpdateRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"in the shadow the new model decided as the running one on {shadow.Agreed} of {shadow.Frames} frames ({shadow.Agreement:P1}; at least {needed:P0} needed)"));
        }

        Report(record, OtaStates.Shadowing, agreement: shadow.Agreement, frames: shadow.Frames);
    }

    private async Task SwapAndWatchAsync(IModelChange change, UpdateRecord record, CancellationToken cancellationToken)
    {
        await change.SwapAsync(cancellationToken).ConfigureAwait(false);
        Step(record, OtaStates.Swapped, frames: 0);
        var health = await WithProgressAsync(
            change.WatchAsync(cancellationToken),
            () => Report(record, OtaStates.Swapped, frames: change.WatchedFrames),
            cancellationToken).ConfigureAwait(false);
        if (change.SwapTiming is { } timing)
        {
            Log.SwapGap(_logger, timing.LastOldFrameSequence, timing.FirstNewFrameSequence, timing.Gap.TotalMilliseconds);
        }

        if (!health.Healthy)
        {
            throw new UpdateRefusedException(health.Reason!, rolledBack: true);
        }
    }

    private void Commit(IModelChange change, ModelManifest manifest, string folder, UpdateRecord record, string? reason = null)
    {
        // The files move to their release's folder before the pointer names them; the loaded session keeps its open
        // file across the rename. Then the pointer (atomic), then the state: a crash between them is settled by
        // Recover, which finds the pointer on the new release. A failover's files are in that folder already.
        var target = Path.Combine(_committed.ModelsFolder, manifest.Release.ToString(CultureInfo.InvariantCulture));
        if (!string.Equals(Path.GetFullPath(folder), Path.GetFullPath(target), StringComparison.Ordinal))
        {
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(folder, target);
        }

        long? previous;
        try
        {
            previous = _committed.Read()?.Release ?? 0;
        }
        catch (InvalidDataException)
        {
            previous = null;
        }

        // After a rollback there is no further step back: the model it left is refused from now on.
        _committed.Write(new CommittedModel(
            manifest.Release,
            manifest.Name,
            manifest.Version,
            manifest.Model.Sha256,
            Path.Combine(target, manifest.Model.Path),
            TensorRtCacheFor(manifest.Model.Sha256),
            manifest.Recommended,
            record.RollbackFrom is null ? previous : null));
        _store.RecordCommitted(manifest.Release);
        if (record.RollbackFrom is { } left)
        {
            _store.MarkFailed(left);
        }

        change.Commit();
        End(record, OtaStates.Committed, reason ?? $"{manifest.Name} {manifest.Version} committed");
        Log.Committed(_logger, manifest.Name, manifest.Version, manifest.Release);

        // Older releases are not needed any more (the pointer never goes back); the one before is kept for inspection.
        foreach (var old in Directory.EnumerateDirectories(_committed.ModelsFolder))
        {
            if (long.TryParse(Path.GetFileName(old), NumberStyles.None, CultureInfo.InvariantCulture, out var release)
                && release < manifest.Release && release != previous)
            {
                TryDelete(old);
            }
        }
    }

    private void Abandon(IModelChange? change, UpdateRecord record, string state, string reason, bool markFailed)
    {
        change?.Rollback();

        if (markFailed)
        {
            _store.MarkFailed(record.Release);
        }

        End(record, state, reason);
    }

    private HealthBounds Bounds(ModelTarget? target) => new(
        target?.HealthFrames ?? _options.HealthFrames,
        _options.MaxHealthErrors,
        _options.MaxLatencyRatio,
        _options.LatencyToleranceMs,
        _options.MaxUncertainRatio,
        _options.UncertainSlack);

    private string TensorRtCacheFor(string sha256) => Path.Combine(_committed.ModelsFolder, "trt-cache", sha256);

    private void CheckDiskSpace(ModelManifest manifest, string folder)
    {
        var needed = manifest.Files().Sum(f => Math.Max(0, f.Size - PackageDownloader.StagedBytes(Path.Combine(folder, f.Path))));
        var free = new DriveInfo(folder).AvailableFreeSpace;
        var reserve = _options.MinFreeDiskMegabytes * 1024L * 1024L;
        if (free - needed < reserve)
        {
            throw new DiskFullException(string.Create(
                CultureInfo.InvariantCulture,
                $"not enough disk space to stage release {manifest.Release}: it needs {needed / 1048576.0:0.0} MB more, {free / 1048576.0:0.0} MB are free at {folder}, and Ota:MinFreeDiskMegabytes keeps {_options.MinFreeDiskMegabytes} MB free"));
        }
    }

    private async Task<T> WithProgressAsync<T>(Task<T> task, Action report, CancellationToken cancellationToken)
    {
        while (!task.IsCompleted)
        {
            try
            {
                await task.WaitAsync(ProgressInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                report();
            }
        }

        return await task.ConfigureAwait(false);
    }

    private void Step(UpdateRecord record, string state, long? bytes = null, long? total = null, double? agreement = null, int? frames = null, string? reason = null)
    {
        record.State = state;
        record.Reason = reason;
        record.UpdatedAt = _time.GetUtcNow().UtcDateTime;
        _store.Save(record);
        Report(record, state, bytes, total, agreement, frames, reason);
        if (state is OtaStates.Failed or OtaStates.RolledBack)
        {
            Log.Ended(_logger, record.Release, state, reason ?? string.Empty);
        }
        else
        {
            Log.Step(_logger, record.Release, state, reason ?? string.Empty);
        }
    }

    private void End(UpdateRecord record, string state, string reason) => Step(record, state, reason: reason);

    private void Report(UpdateRecord record, string state, long? bytes = null, long? total = null, double? agreement = null, int? frames = null, string? reason = null) =>
        _feed.Publish(new OtaProgress(MqttPayloads.SchemaVersion, _deviceId, record.Release, state, _time.GetUtcNow(), bytes, total, agreement, frames, reason ?? record.Reason));

    private void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>A failover from release <paramref name="From"/> to <paramref name="To"/> (0: the configured model).</summary>
    private sealed record Failover(long From, long To, int FailedFrames);

    private void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException ex)
        {
            Log.CleanupFailed(_logger, folder, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1900, Level = LogLevel.Information, Message = "Model update to release {Release}: {State} {Reason}")]
        public static partial void Step(ILogger logger, long release, string state, string reason);

        [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "Model update to release {Release} ended {State}: {Reason}")]
        public static partial void Ended(ILogger logger, long release, string state, string reason);

        [LoggerMessage(EventId = 1902, Level = LogLevel.Information, Message = "Committed model {Name} {Version} (release {Release})")]
        public static partial void Committed(ILogger logger, string name, string version, long release);

        [LoggerMessage(EventId = 1903, Level = LogLevel.Information, Message = "Resuming the model update to release {Release}, which was {State} when the agent stopped")]
        public static partial void Resuming(ILogger logger, long release, string state);

        [LoggerMessage(EventId = 1904, Level = LogLevel.Information, Message = "Swap: the old model decided frame {Last}, the new one frame {First}, {GapMs:0.0} ms apart")]
        public static partial void SwapGap(ILogger logger, long last, long first, double gapMs);

        [LoggerMessage(EventId = 1905, Level = LogLevel.Warning, Message = "Could not delete {Folder}: {Reason}")]
        public static partial void CleanupFailed(ILogger logger, string folder, string reason);

        [LoggerMessage(EventId = 1906, Level = LogLevel.Warning, Message = "Release {Release} failed on {Frames} frames in a row: failing over to release {To} (0: the configured model)")]
        public static partial void FailingOver(ILogger logger, long release, int frames, long to);
    }
}
