using System.Globalization;
using System.Threading.Channels;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Ota;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// The agent's part of updating itself. When its signed desired state names an agent release newer than the one that
/// runs, it downloads the bundle (resumable, size and SHA-256 checked as a model package's files are), checks that its
/// manifest is signed by a pinned publisher key and names that version, and hands it to the updater by writing a
/// <c>requested</c> record (<see cref="AgentUpdateStore.Request"/>). The agent can do no more: under its unit it can
/// write neither the releases nor the link, nor restart itself; the updater runs as its own unit, started by the path
/// unit that watches the request. At every start, and while a request is out, it reads the record back and reports
/// the outcome (committed, rolled back, refused, with the reason) as a device event; the reported state carries it too.
/// </summary>
public sealed partial class AgentUpdateWorker : BackgroundService
{
    private static readonly TimeSpan OutcomePoll = TimeSpan.FromSeconds(5);
    private readonly DeviceState _state;
    private readonly AgentUpdateStore _store;
    private readonly PackageDownloader _downloader;
    private readonly DeviceEvents _events;
    private readonly OtaOptions _ota;
    private readonly string _trustedKeys;
    private readonly string _runningVersion;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentUpdateWorker> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public AgentUpdateWorker(
        DeviceState state,
        AgentUpdateStore store,
        PackageDownloader downloader,
        DeviceEvents events,
        IOptions<OtaOptions> ota,
        IHostEnvironment environment,
        TimeProvider time,
        ILogger<AgentUpdateWorker> logger)
        : this(state, store, downloader, events, ota, environment, AgentVersion.Current, time, logger)
    {
    }

    // runningVersion: the version of the agent that runs, which a release must be newer than (tests name their own).
    public AgentUpdateWorker(
        DeviceState state,
        AgentUpdateStore store,
        PackageDownloader downloader,
        DeviceEvents events,
        IOptions<OtaOptions> ota,
        IHostEnvironment environment,
        string runningVersion,
        TimeProvider time,
        ILogger<AgentUpdateWorker> logger)
    {
        _state = state;
        _store = store;
        _downloader = downloader;
        _events = events;
        _ota = ota.Value;
        _trustedKeys = Path.GetFullPath(_ota.TrustedKeysPath, environment.ContentRootPath);
        _runningVersion = runningVersion;
        _time = time;
        _logger = logger;
        _state.Changed += Wake;
    }

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
            ReportOutcome();
            while (!stoppingToken.IsCancellationRequested)
            {
                if (Wanted() is { } target)
                {
                    await FetchAsync(target, stoppingToken).ConfigureAwait(false);
                }

                // A request that is out is looked at again until the updater has ended it.
                if (_store.Latest is { } open && !AgentUpdatePhase.IsFinal(open.Phase))
                {
                    using var due = new CancellationTokenSource(OutcomePoll, _time);
                    using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, due.Token);
                    try
                    {
                        await _wake.Reader.ReadAsync(poll.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // Time to look at the record again.
                    }

                    _store.Load();
                    ReportOutcome();
                }
                else
                {
                    await _wake.Reader.ReadAsync(stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the record on disk is picked up at the next start.
        }
    }

    /// <summary>The agent target to fetch now, or null (none, this one already handled, or refused here at once).</summary>
    private AgentTarget? Wanted()
    {
        if (_state.AppliedDesired?.Agent is not { } target)
        {
            return null;
        }

        if (_store.Latest is { } record && record.Version == target.Version)
        {
            return null;
        }

        if (AgentManifestJson.IsVersion(_runningVersion) && AgentManifestJson.CompareVersions(target.Version, _runningVersion) <= 0)
        {
            // Asked for the release that runs (build metadata aside): nothing to do. An older one: said once.
            if (AgentManifestJson.CompareVersions(target.Version, _runningVersion) < 0)
            {
                Refuse(target.Version, $"release {target.Version} is not newer than the running agent {_runningVersion}: an agent is never downgraded over the air; publish a higher version");
            }

            return null;
        }

        return target;
    }

    private async Task FetchAsync(AgentTarget target, CancellationToken cancellationToken)
    {
        var bundle = Path.Combine(_store.DownloadsPath, $"agent-{target.Sha256}.zip");
        try
        {
            Directory.CreateDirectory(_store.DownloadsPath);
            var free = new DriveInfo(_store.DownloadsPath).AvailableFreeSpace;
            var needed = target.Size - PackageDownloader.StagedBytes(bundle);
            if (free - needed < _ota.MinFreeDiskMegabytes * 1024L * 1024L)
            {
                throw new DiskFullException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"not enough disk space to download agent release {target.Version}: it needs {needed / 1048576.0:0.0} MB more, {free / 1048576.0:0.0} MB are free at {_store.DownloadsPath}, and Ota:MinFreeDiskMegabytes keeps {_ota.MinFreeDiskMegabytes} MB free"));
            }

            Log.Downloading(_logger, target.Version, target.Size);
            _events.Raise("agent-update-downloading", string.Create(CultureInfo.InvariantCulture, $"downloading agent release {target.Version} ({target.Size} bytes)"));
            await _downloader.DownloadAsync(new Uri(target.Url), new PackageFile(Path.GetFileName(bundle), target.Sha256, target.Size), bundle, static _ => { }, cancellationToken)
                .ConfigureAwait(false);

            if (!Directory.Exists(_trustedKeys) || !Directory.EnumerateFiles(_trustedKeys, "*.pem").Any())
            {
                throw new PackageRejectedException($"the device trusts no publisher key: put the publisher's public key into {_trustedKeys} (Ota:TrustedKeysPath)");
            }

            AgentManifest manifest;
            using (var trusted = TrustedKeys.Load(_trustedKeys, "device"))
            using (var stream = File.OpenRead(bundle))
            {
                manifest = AgentBundle.ReadManifest(stream, trusted);
            }

            if (manifest.Version != target.Version)
            {
                throw new PackageRejectedException($"the bundle is release {manifest.Version}, the desired state names {target.Version}");
            }

            _store.Request(new AgentUpdateRecord(target.Version, AgentUpdatePhase.Requested, _time.GetUtcNow(), Bundle: bundle));
            Log.Requested(_logger, target.Version);
            _events.Raise("agent-update-requested", $"agent release {target.Version} downloaded and its signature verified; the updater installs it beside release {_runningVersion} and restarts the agent on it");
        }
        catch (DiskFullException ex)
        {
            // Not the release's fault: tried again when the desired state changes or the agent restarts.
            Log.Failed(_logger, target.Version, ex.Message);
            _events.Raise("agent-update-failed", $"agent release {target.Version}: {ex.Message}");
        }
        catch (Exception ex) when (ex is PackageRejectedException or InvalidDataException or IOException)
        {
            AgentUpdater.TryDelete(bundle);
            Refuse(target.Version, $"the bundle is refused: {ex.Message}");
        }
    }

    private void Refuse(string version, string reason)
    {
        Log.Failed(_logger, version, reason);
        _store.Save(new AgentUpdateRecord(version, AgentUpdatePhase.Refused, _time.GetUtcNow(), Reason: reason));
        ReportOutcome();
    }

    /// <summary>Raises the event for a final record not reported yet, then marks it reported.</summary>
    private void ReportOutcome()
    {
        if (_store.Load() is not { } record || record.Reported || !AgentUpdatePhase.IsFinal(record.Phase))
        {
            return;
        }

        var message = record.Phase switch
        {
            AgentUpdatePhase.Committed => $"agent release {record.Version} committed (previous {record.Previous}): {record.Reason}",
            AgentUpdatePhase.RolledBack => $"agent release {record.Version} rolled back to {record.Previous}: {record.Reason}",
            _ => $"agent release {record.Version} refused: {record.Reason}",
        };
        Log.Outcome(_logger, record.Phase, message);
        _events.Raise($"agent-update-{record.Phase}", message);
        _store.Save(record with { Reported = true });
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3120, Level = LogLevel.Information, Message = "Downloading agent release {Version} ({Bytes} bytes)")]
        public static partial void Downloading(ILogger logger, string version, long bytes);

        [LoggerMessage(EventId = 3121, Level = LogLevel.Information, Message = "Agent release {Version} verified and handed to the updater")]
        public static partial void Requested(ILogger logger, string version);

        [LoggerMessage(EventId = 3122, Level = LogLevel.Warning, Message = "Agent release {Version} not installed: {Reason}")]
        public static partial void Failed(ILogger logger, string version, string reason);

        [LoggerMessage(EventId = 3123, Level = LogLevel.Information, Message = "Agent update {Phase}: {Message}")]
        public static partial void Outcome(ILogger logger, string phase, string message);
    }
}
