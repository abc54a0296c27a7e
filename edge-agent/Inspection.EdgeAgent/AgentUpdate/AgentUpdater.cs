using System.Globalization;
using Inspection.Detection.Packaging;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// Carries out an agent update the running agent requested (<c>state.json</c> in phase <c>requested</c>): verifies the
/// bundle again against the trusted keys (it comes from a process that is not trusted to switch releases), refuses one
/// that is not newer than the running agent, installs it as <c>releases/&lt;version&gt;</c> beside the running release,
/// points the link at it and restarts the service. The new release is kept only when, within its health window, it
/// reaches <c>READY=1</c> and then keeps inspecting frames for the whole window; otherwise the link goes back to the
/// previous release, which is restarted, and the reason is recorded. Every phase is written before it is acted on, so
/// an updater that dies mid-way resumes (a health window started again, at most once) and the outcome survives for the
/// agent that runs next to report. The service manager is behind <see cref="IAgentService"/>.
/// </summary>
public sealed partial class AgentUpdater
{
    private readonly AgentReleases _releases;
    private readonly AgentUpdateStore _store;
    private readonly IAgentService _service;
    private readonly string _trustedKeysPath;
    private readonly string _runningVersion;
    private readonly AgentUpdateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="releases">The release layout.</param>
    /// <param name="store">The update's state file.</param>
    /// <param name="service">The service manager that runs the agent.</param>
    /// <param name="trustedKeysPath">The publisher keys (<c>Ota:TrustedKeysPath</c>).</param>
    /// <param name="runningVersion">The version of the agent that runs now: a bundle must be newer.</param>
    /// <param name="options">Health window and limits.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where steps are logged.</param>
    public AgentUpdater(
        AgentReleases releases,
        AgentUpdateStore store,
        IAgentService service,
        string trustedKeysPath,
        string runningVersion,
        AgentUpdateOptions options,
        TimeProvider time,
        ILogger logger)
    {
        _releases = releases;
        _store = store;
        _service = service;
        _trustedKeysPath = trustedKeysPath;
        _runningVersion = runningVersion;
        _options = options;
        _time = time;
        _logger = logger;
    }

    private TimeSpan Poll => TimeSpan.FromMilliseconds(_options.PollMilliseconds);

    /// <summary>
    /// Runs the pending update to its end and returns the final record; with nothing pending returns the record as it
    /// is (null: no update ever).
    /// </summary>
    public async Task<AgentUpdateRecord?> RunAsync(CancellationToken cancellationToken)
    {
        var record = _store.Load();
        switch (record?.Phase)
        {
            case AgentUpdatePhase.Requested:
                return await InstallAsync(record, cancellationToken).ConfigureAwait(false);
            case AgentUpdatePhase.Probation when record.Attempts >= 2:
                return await RollBackAsync(record, "the updater was interrupted twice while watching the new release; it is not tried again", cancellationToken).ConfigureAwait(false);
            case AgentUpdatePhase.Probation:
                Log.Resuming(_logger, record.Version);
                record = record with { Attempts = record.Attempts + 1, At = _time.GetUtcNow(), ReadySeconds = null };
                _store.Save(record);
                if (_releases.Current() != record.Version)
                {
                    _releases.Switch(record.Version);
                }

                return await WatchAsync(record, cancellationToken).ConfigureAwait(false);
            default:
                return record;
        }
    }

    private async Task<AgentUpdateRecord> InstallAsync(AgentUpdateRecord record, CancellationToken cancellationToken)
    {
        var previous = _releases.Current();
        if (previous is null)
        {
            return Refuse(record, $"{_releases.LinkPath} is not a link to a release: install the agent with install.sh (releases/ layout) before updating it over the air");
        }

        // The request comes from the agent, which runs with fewer rights than the updater: only a plain file in the
        // downloads folder is taken, and it is copied before anything is read, so the agent cannot change it between
        // the checks and the install, nor point the updater at another file.
        if (StagedBundle(record) is not { } bundle)
        {
            return Refuse(record, $"the bundle {record.Bundle} is not a file the agent staged in {_store.DownloadsPath}");
        }

        Directory.CreateDirectory(_releases.ReleasesPath);
        var copy = Path.Combine(_releases.ReleasesPath, $".incoming-{Guid.NewGuid():N}.zip");
        AgentManifest manifest;
        try
        {
            File.Copy(bundle, copy);
            using var keys = TrustedKeys.Load(_trustedKeysPath, "device");
            using (var stream = File.OpenRead(copy))
            {
                manifest = AgentBundle.ReadManifest(stream, keys);
            }

            if (manifest.Version != record.Version)
            {
                return Refuse(record, $"the bundle is release {manifest.Version}, the request was for {record.Version}");
            }

            if (AgentManifestJson.IsVersion(_runningVersion) && AgentManifestJson.CompareVersions(manifest.Version, _runningVersion) <= 0)
            {
                return Refuse(record, $"release {manifest.Version} is not newer than the running agent {_runningVersion}: an agent is never downgraded over the air; publish a higher version");
            }

            _releases.Install(copy, keys, (long)_options.MaxReleaseMegabytes * 1024 * 1024);
        }
        catch (Exception ex) when (ex is PackageRejectedException or InvalidDataException or DirectoryNotFoundException)
        {
            return Refuse(record, $"the bundle is refused: {ex.Message}");
        }
        catch (IOException ex)
        {
            return Refuse(record, $"the release could not be installed beside the running one: {ex.Message}");
        }
        finally
        {
            TryDelete(copy);
        }

        TryDelete(bundle);
        record = new AgentUpdateRecord(manifest.Version, AgentUpdatePhase.Probation, _time.GetUtcNow(), Previous: previous, Attempts: 1);
        _store.Save(record);
        _releases.Switch(manifest.Version);
        Log.Switched(_logger, previous, manifest.Version);
        return await WatchAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restarts the service on the new release and judges it by its health window.</summary>
    private async Task<AgentUpdateRecord> WatchAsync(AgentUpdateRecord record, CancellationToken cancellationToken)
    {
        var restartedAt = _time.GetTimestamp();
        await _service.RestartAsync(cancellationToken).ConfigureAwait(false);
        var baseline = await _service.ReadAsync(cancellationToken).ConfigureAwait(false);

        // Up to READY=1: any exit is a crash at start (the manager restarts it, and would forever).
        var readyBy = _time.GetUtcNow() + TimeSpan.FromSeconds(_options.ReadyTimeoutSeconds);
        var state = baseline;
        while (!state.Ready || !state.Running)
        {
            if (state.Exits > baseline.Exits)
            {
                return await RollBackAsync(record, $"release {record.Version} exited before it was ready ({state.LastExit ?? "no exit status"}){LastSaid(state)}", cancellationToken).ConfigureAwait(false);
            }

            if (_time.GetUtcNow() >= readyBy)
            {
                return await RollBackAsync(record, $"release {record.Version} did not report READY=1 within {_options.ReadyTimeoutSeconds} s{LastSaid(state)}", cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(Poll, _time, cancellationToken).ConfigureAwait(false);
            state = await _service.ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        var readyAfter = _time.GetElapsedTime(restartedAt);
        Log.Ready(_logger, record.Version, readyAfter.TotalSeconds);
        record = record with { ReadySeconds = readyAfter.TotalSeconds };
        _store.Save(record);

        // Then the window: no exit, and frames keep being inspected until its end.
        var windowStart = _time.GetTimestamp();
        var window = TimeSpan.FromSeconds(_options.HealthWindowSeconds);
        var maxStall = TimeSpan.FromSeconds(_options.MaxStallSeconds);
        var firstFrames = InspectedFrames.Parse(state.Status) ?? 0;
        var lastFrames = firstFrames;
        var lastProgress = windowStart;
        TimeSpan? lineStopped = lastFrames > 0 ? _time.GetElapsedTime(restartedAt) : null;
        while (_time.GetElapsedTime(windowStart) < window)
        {
            await Task.Delay(Poll, _time, cancellationToken).ConfigureAwait(false);
            state = await _service.ReadAsync(cancellationToken).ConfigureAwait(false);
            var into = _time.GetElapsedTime(windowStart).TotalSeconds;
            if (state.Exits > baseline.Exits || !state.Running)
            {
                return await RollBackAsync(record, string.Create(CultureInfo.InvariantCulture, $"release {record.Version} exited {into:0} s into its health window ({state.LastExit ?? "no exit status"}){LastSaid(state)}"), cancellationToken).ConfigureAwait(false);
            }

            var frames = InspectedFrames.Parse(state.Status) ?? lastFrames;
            if (frames > lastFrames)
            {
                lastFrames = frames;
                lastProgress = _time.GetTimestamp();
                lineStopped ??= _time.GetElapsedTime(restartedAt);
            }
            else if (_time.GetElapsedTime(lastProgress) > maxStall)
            {
                return await RollBackAsync(
                    record,
                    string.Create(CultureInfo.InvariantCulture, $"release {record.Version} stopped inspecting: no frame for {_options.MaxStallSeconds} s, {into:0} s into its {_options.HealthWindowSeconds} s health window, after {lastFrames - firstFrames} frames{LastSaid(state)}"),
                    cancellationToken).ConfigureAwait(false);
            }
        }

        var inspected = lastFrames - firstFrames;
        if (inspected < _options.MinFrames)
        {
            return await RollBackAsync(
                record,
                string.Create(CultureInfo.InvariantCulture, $"release {record.Version} inspected {inspected} frames in its {_options.HealthWindowSeconds} s health window, fewer than the {_options.MinFrames} required{LastSaid(state)}"),
                cancellationToken).ConfigureAwait(false);
        }

        var committed = record with
        {
            Phase = AgentUpdatePhase.Committed,
            At = _time.GetUtcNow(),
            Reason = string.Create(CultureInfo.InvariantCulture, $"ready {readyAfter.TotalSeconds:0.0} s after the restart; {inspected} frames inspected in the {_options.HealthWindowSeconds} s health window"),
            LineStoppedSeconds = lineStopped?.TotalSeconds,
        };
        _store.Save(committed);
        if (committed.Previous is { } previous && _releases.Exists(previous))
        {
            _releases.MarkPrevious(previous);
        }

        foreach (var removed in _releases.Prune(committed.Version, committed.Previous))
        {
            Log.Pruned(_logger, removed);
        }

        Log.Committed(_logger, committed.Version, inspected);
        return committed;
    }

    private async Task<AgentUpdateRecord> RollBackAsync(AgentUpdateRecord record, string reason, CancellationToken cancellationToken)
    {
        Log.RollingBack(_logger, record.Version, record.Previous ?? "(none)", reason);
        if (record.Previous is { } previous && _releases.Exists(previous))
        {
            _releases.Switch(previous);
        }
        else
        {
            reason += $"; the previous release {record.Previous} is gone, so the link still points at {record.Version}";
        }

        // Recorded before the restart, so the agent that starts next finds the outcome to report.
        var rolledBack = record with { Phase = AgentUpdatePhase.RolledBack, At = _time.GetUtcNow(), Reason = reason };
        _store.Save(rolledBack);
        await _service.RestartAsync(cancellationToken).ConfigureAwait(false);

        var readyBy = _time.GetUtcNow() + TimeSpan.FromSeconds(_options.ReadyTimeoutSeconds);
        var state = await _service.ReadAsync(cancellationToken).ConfigureAwait(false);
        while (!state.Ready)
        {
            if (_time.GetUtcNow() >= readyBy)
            {
                Log.PreviousNotReady(_logger, record.Previous ?? "(none)", _options.ReadyTimeoutSeconds);
                break;
            }

            await Task.Delay(Poll, _time, cancellationToken).ConfigureAwait(false);
            state = await _service.ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        return rolledBack;
    }

    private AgentUpdateRecord Refuse(AgentUpdateRecord record, string reason)
    {
        Log.Refused(_logger, record.Version, reason);
        var refused = record with { Phase = AgentUpdatePhase.Refused, At = _time.GetUtcNow(), Reason = reason };
        _store.Save(refused);
        if (StagedBundle(record) is { } bundle)
        {
            TryDelete(bundle);
        }

        return refused;
    }

    /// <summary>The request's bundle when it is a plain file directly in the downloads folder, else null.</summary>
    private string? StagedBundle(AgentUpdateRecord record)
    {
        if (record.Bundle is not { } named)
        {
            return null;
        }

        var path = Path.GetFullPath(named);
        var info = new FileInfo(path);
        return Path.GetDirectoryName(path) == _store.DownloadsPath && info.Exists && info.LinkTarget is null ? path : null;
    }

    private static string LastSaid(AgentServiceState state) =>
        string.IsNullOrWhiteSpace(state.Status) ? string.Empty : $" (its last status: {state.Status})";

    /// <summary>Removes a download if it can; one left behind is removed with the next one.</summary>
    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Agent release link switched from {Previous} to {Version}; restarting the service on it")]
        public static partial void Switched(ILogger logger, string previous, string version);

        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Agent release {Version} reported READY=1 {Seconds:0.0} s after the restart; watching its health window")]
        public static partial void Ready(ILogger logger, string version, double seconds);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Agent release {Version} committed after {Frames} frames inspected in its health window")]
        public static partial void Committed(ILogger logger, string version, long frames);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Agent release {Version} rolled back to {Previous}: {Reason}")]
        public static partial void RollingBack(ILogger logger, string version, string previous, string reason);

        [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Agent release {Version} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string version, string reason);

        [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "The update of the agent to release {Version} was interrupted while on probation; watching it again")]
        public static partial void Resuming(ILogger logger, string version);

        [LoggerMessage(EventId = 3106, Level = LogLevel.Error, Message = "The previous agent release {Previous} did not report READY=1 within {Seconds} s after the rollback either")]
        public static partial void PreviousNotReady(ILogger logger, string previous, int seconds);

        [LoggerMessage(EventId = 3107, Level = LogLevel.Information, Message = "Removed the old agent release {Release}")]
        public static partial void Pruned(ILogger logger, string release);
    }
}
