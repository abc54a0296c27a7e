using System.Globalization;
using System.Text.Json;
using Inspection.CloudInference.AgentReleases;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Models;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.Rollouts;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// Drives model and edge agent rollouts across the fleet: starts each wave's devices (canary first) through their desired state,
/// at most so many at once and inside the maintenance window; follows each device's update through its reported
/// progress; fails a device that fails, rolls back, stays in one step too long, or does worse than its previous
/// model in the accuracy gate (and sends it back to that model); halts the rollout by itself when the failure
/// threshold is crossed; advances when a wave has succeeded. An agent rollout follows each device's reported agent
/// update instead (committed succeeds; rolled back or refused fails with the device's reason, and the device's desired
/// agent goes back to what it was); it has no accuracy gate. Every change is written to the store before it is
/// acted on, so a restart resumes where it stopped. Pause, resume and cancel come from the API.
/// One lock serialises this replica's API and passes. The background passes run only while this replica holds the
/// rollouts' run-once lease (<see cref="IRunOnceLease"/>): with replicas on PostgreSQL, one of them. The API works on
/// every replica: rollouts are in the shared table, each write is compare-and-set on the rollout's version, and the
/// lease holder reads the table at every pass, so a rollout started or changed on any replica reaches it.
/// </summary>
public sealed partial class RolloutController : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly RolloutStore _store;
    private readonly FleetRegistry _fleet;
    private readonly DesiredStateStore _desired;
    private readonly FleetCommands _commands;
    private readonly ModelRegistry _registry;
    private readonly AgentReleaseStore _agents;
    private readonly IEscalationStore _escalations;
    private readonly ReviewedPartsCheck _reviewCheck;
    private readonly IRunOnceLease _lease;
    private readonly TimeSpan _tick;
    private readonly TimeProvider _time;
    private readonly ILogger<RolloutController> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, StoredRollout>? _active;

    public RolloutController(
        RolloutStore store,
        FleetRegistry fleet,
        DesiredStateStore desired,
        FleetCommands commands,
        ModelRegistry registry,
        AgentReleaseStore agents,
        IEscalationStore escalations,
        ReviewedPartsCheck reviewCheck,
        [FromKeyedServices(RunOnceLeases.Rollouts)] IRunOnceLease lease,
        IOptions<RolloutOptions> options,
        TimeProvider time,
        ILogger<RolloutController> logger)
    {
        _store = store;
        _fleet = fleet;
        _desired = desired;
        _commands = commands;
        _registry = registry;
        _agents = agents;
        _escalations = escalations;
        _reviewCheck = reviewCheck;
        _lease = lease;
        _tick = TimeSpan.FromMilliseconds(options.Value.TickMilliseconds);
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts a rollout; its canary is sent at once.</summary>
    /// <param name="request">What to roll out where, and how.</param>
    /// <param name="issuedBy">The signed-in account that starts it.</param>
    /// <param name="baseUrl">Where devices reach the registry.</param>
    /// <param name="cancellationToken">Cancels the wait for the lock and the first publishes.</param>
    /// <exception cref="KeyNotFoundException">The release is not registered.</exception>
    /// <exception cref="ArgumentException">The request is not valid, or no device matches.</exception>
    /// <exception cref="InvalidOperationException">
    /// The review check the strategy asks for failed, or another replica changed a rollout it supersedes meanwhile.
    /// </exception>
    public async Task<RolloutView> StartAsync(RolloutRequest request, string issuedBy, Uri baseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(baseUrl);

        var (release, name, version) = Subject(request);
        var snapshot = _fleet.Snapshot();
        var plan = RolloutPlan.Create(request, snapshot.Devices.ToDictionary(d => d.DeviceId, d => d.Reported, StringComparer.Ordinal));
        if (request.AgentVersion is not null && plan.Strategy.ReviewCheck is not null)
        {
            throw new ArgumentException("reviewCheck judges a model release on reviewed parts; an agent rollout has none");
        }

        ReviewCheckResult? review = null;
        if (plan.Strategy.ReviewCheck is { } check)
        {
            var model = _registry.Find(release)!;
            // Before the lock: the model runs over every reviewed frame, and the API's other calls need not wait.
            review = await _reviewCheck.RunAsync(model.Id, [.. plan.Waves.SelectMany(w => w)], check, cancellationToken).ConfigureAwait(false);
            if (!review.Passed)
            {
                Log.ReviewCheckRefused(_logger, model.Id, review.Summary);
                throw new InvalidOperationException($"release {model.Id} not rolled out: the review check {review.Summary}");
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var active = Active();
            var now = _time.GetUtcNow();
            var id = _store.NextId();
            var devices = plan.Waves.SelectMany(w => w).ToHashSet(StringComparer.Ordinal);
            // A model rollout and an agent rollout move different things: only one of the same kind takes devices over.
            foreach (var older in active.Values.Where(r => (r.AgentVersion is null) == (request.AgentVersion is null)).ToList())
            {
                Supersede(older, devices, id, now);
            }

            var rollout = new StoredRollout
            {
                Id = id,
                Release = release,
                AgentVersion = request.AgentVersion,
                ModelName = name,
                ModelVersion = version,
                TargetJson = JsonSerializer.Serialize(request.Target, Json),
                StrategyJson = JsonSerializer.Serialize(plan.Strategy, Json),
                BaseUrl = baseUrl.AbsoluteUri,
                State = RolloutStates.Running,
                Reason = "started",
                IssuedBy = string.IsNullOrWhiteSpace(issuedBy) ? "unknown" : issuedBy,
                ReviewCheckJson = review is null ? null : JsonSerializer.Serialize(review, Json),
                CreatedAt = now,
                UpdatedAt = now,
                Waves = [.. plan.Waves.Select((_, i) => new StoredWave { Index = i, State = WaveStates.Pending })],
                Devices = [.. plan.Waves.SelectMany((wave, i) => wave.Select(device => new StoredRolloutDevice
                {
                    DeviceId = device,
                    Wave = i,
                    State = RolloutDeviceStates.Pending,
                    Since = now,
                }))],
            };
            StartWave(rollout, 0, now);
            _store.Save(rollout);
            active[rollout.Id] = rollout;
            Log.Started(_logger, rollout.Id, Describe(rollout), rollout.Devices.Count, rollout.Waves.Count, rollout.IssuedBy);
            await EvaluateAsync(rollout, snapshot, now, cancellationToken).ConfigureAwait(false);
            return View(rollout);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Pauses a running rollout: no device starts; devices already updating finish.</summary>
    /// <exception cref="KeyNotFoundException">No such rollout.</exception>
    /// <exception cref="InvalidOperationException">It is not running.</exception>
    public Task<RolloutView> PauseAsync(string id, RolloutAction? action, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, cancellationToken, (rollout, now) =>
        {
            if (rollout.State != RolloutStates.Running)
            {
                throw new InvalidOperationException($"rollout {id} is {rollout.State}; only a running rollout can be paused");
            }

            rollout.State = RolloutStates.Paused;
            rollout.Reason = Describe("paused", actor, action);
            return Task.CompletedTask;
        });

    /// <summary>Resumes a paused or halted rollout; failures before the resume no longer count against the threshold.</summary>
    /// <exception cref="KeyNotFoundException">No such rollout.</exception>
    /// <exception cref="InvalidOperationException">It is neither paused nor halted.</exception>
    public Task<RolloutView> ResumeAsync(string id, RolloutAction? action, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, cancellationToken, async (rollout, now) =>
        {
            if (rollout.State is not (RolloutStates.Paused or RolloutStates.Halted))
            {
                throw new InvalidOperationException($"rollout {id} is {rollout.State}; only a paused or halted rollout can be resumed");
            }

            rollout.State = RolloutStates.Running;
            rollout.Reason = Describe("resumed", actor, action);
            rollout.FailuresAtResume = rollout.Devices.Count(d => d.State == RolloutDeviceStates.Failed);
            rollout.StartedAtResume = rollout.Devices.Count(d => d.StartedAt is not null);
            var wave = rollout.Waves[rollout.CurrentWave];
            if (wave.State == WaveStates.Halted)
            {
                // The person resuming accepts the wave as it ended; one still going goes on.
                var ended = rollout.Devices.Where(d => d.Wave == wave.Index).All(d => RolloutDeviceStates.IsFinal(d.State));
                wave.State = ended ? WaveStates.Succeeded : WaveStates.Running;
                wave.EndedAt = ended ? now : null;
            }

            await EvaluateAsync(rollout, _fleet.Snapshot(), now, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Cancels a rollout: devices not started get nothing; devices updating get their previous desired model back
    /// and abandon the update; devices that already committed keep the release. Each device's reason says which.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such rollout.</exception>
    /// <exception cref="InvalidOperationException">It has already ended.</exception>
    public Task<RolloutView> CancelAsync(string id, RolloutAction? action, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, cancellationToken, async (rollout, now) =>
        {
            if (RolloutStates.IsFinal(rollout.State))
            {
                throw new InvalidOperationException($"rollout {id} has already ended ({rollout.State})");
            }

            foreach (var device in rollout.Devices)
            {
                switch (device.State)
                {
                    case RolloutDeviceStates.Pending or RolloutDeviceStates.Waiting:
                        SetState(rollout, device, RolloutDeviceStates.Cancelled, "not started: the rollout was cancelled", now);
                        break;
                    case RolloutDeviceStates.Updating when rollout.AgentVersion is not null:
                        await RestoreAsync(rollout, device, cancellationToken).ConfigureAwait(false);
                        SetState(rollout, device, RolloutDeviceStates.Cancelled, $"was updating ({device.OtaState ?? "not started yet"}): its desired agent is its previous one again (agent {device.FromAgentVersion ?? "unknown"} ran before)", now);
                        break;
                    case RolloutDeviceStates.Updating:
                        await RestoreAsync(rollout, device, cancellationToken).ConfigureAwait(false);
                        SetState(rollout, device, RolloutDeviceStates.Cancelled, $"was updating ({device.OtaState ?? "not started yet"}): its desired model is its previous one again, so it abandons the update and keeps {DescribeRelease(device.FromRelease)}", now);
                        break;
                    case RolloutDeviceStates.Watching:
                        SetState(rollout, device, RolloutDeviceStates.Cancelled, $"keeps release {rollout.Release}: it had committed before the cancel (the accuracy gate stopped watching it)", now);
                        break;
                }
            }

            foreach (var wave in rollout.Waves.Where(w => w.State is WaveStates.Pending or WaveStates.Running))
            {
                wave.State = WaveStates.Cancelled;
                wave.EndedAt = now;
            }

            rollout.State = RolloutStates.Cancelled;
            rollout.Reason = Describe("cancelled", actor, action);
        });

    public RolloutView? Find(string id) => _store.Find(id) is { } rollout ? View(rollout) : null;

    public IReadOnlyList<RolloutSummary> List() =>
        [.. _store.All().Select(r => new RolloutSummary(r.Id, r.Release, r.State, r.Reason, r.CurrentWave, r.Waves.Count, Count(r.Devices), r.IssuedBy, r.CreatedAt, r.UpdatedAt, r.AgentVersion))];

    /// <summary>One pass over every rollout still going (normally from the background loop).</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var active = Active();
            if (active.Count == 0)
            {
                return;
            }

            var snapshot = _fleet.Snapshot();
            var now = _time.GetUtcNow();
            foreach (var rollout in active.Values.ToList())
            {
                await EvaluateAsync(rollout, snapshot, now, cancellationToken).ConfigureAwait(false);
                if (RolloutStates.IsFinal(rollout.State))
                {
                    active.Remove(rollout.Id);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var held = false;
        var waitingLogged = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var holds = await _lease.HoldAsync(stoppingToken).ConfigureAwait(false);
                if (!holds && (held || !waitingLogged) && _store.Active().Count is > 0 and var waiting)
                {
                    // Said once per change, not at every tick.
                    Log.DrivenElsewhere(_logger, waiting, _lease.Name);
                    waitingLogged = true;
                }

                held = holds;
                if (held)
                {
                    waitingLogged = false;
                    await TickAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is LiteDB.LiteException or IOException or System.Data.Common.DbException or InvalidOperationException)
            {
                // A pass that failed is tried again at the next tick from the stored state, which is what was last
                // saved (a rollout changed meanwhile on another replica included).
                Log.PassFailed(_logger, ex);
            }

            try
            {
                await Task.Delay(_tick, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The rollouts still going, as the store has them now: a rollout another replica started or changed replaces the
    /// copy held here; one unchanged since keeps it (with the timers reset after a restart).
    /// </summary>
    private Dictionary<string, StoredRollout> Active()
    {
        var loading = _active is null;
        var now = _time.GetUtcNow();
        var active = new Dictionary<string, StoredRollout>(StringComparer.Ordinal);
        foreach (var stored in _store.Active())
        {
            if (_active is not null && _active.TryGetValue(stored.Id, out var known) && known.Version == stored.Version)
            {
                active[known.Id] = known;
                continue;
            }

            if (loading)
            {
                // After a restart the timers of devices in an update start again: the cloud did not watch them meanwhile.
                foreach (var device in stored.Devices.Where(d => d.State == RolloutDeviceStates.Updating))
                {
                    device.OtaSince = now;
                }

                Log.Resumed(_logger, stored.Id, stored.State, stored.Devices.Count(d => !RolloutDeviceStates.IsFinal(d.State)));
            }

            active[stored.Id] = stored;
        }

        _active = active;
        return active;
    }

    private async Task<RolloutView> ChangeAsync(string id, CancellationToken cancellationToken, Func<StoredRollout, DateTimeOffset, Task> change)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var active = Active();
            if (!active.TryGetValue(id, out var rollout))
            {
                rollout = _store.Find(id) ?? throw new KeyNotFoundException($"no rollout '{id}'");
            }

            var now = _time.GetUtcNow();
            await change(rollout, now).ConfigureAwait(false);
            rollout.UpdatedAt = now;
            _store.Save(rollout);
            Log.Changed(_logger, rollout.Id, rollout.State, rollout.Reason ?? string.Empty);
            if (RolloutStates.IsFinal(rollout.State))
            {
                active.Remove(rollout.Id);
            }

            return View(rollout);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Follows every device, then the thresholds and the waves, then starts devices; saves when anything changed.</summary>
    private async Task EvaluateAsync(StoredRollout rollout, FleetSnapshot snapshot, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = rollout.UpdatedAt;
        var strategy = Strategy(rollout);
        var fleet = snapshot.Devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        foreach (var device in rollout.Devices)
        {
            fleet.TryGetValue(device.DeviceId, out var entry);
            switch (device.State)
            {
                case RolloutDeviceStates.Updating when rollout.AgentVersion is not null:
                    await FollowAgentUpdateAsync(rollout, device, entry, strategy, now, cancellationToken).ConfigureAwait(false);
                    break;
                case RolloutDeviceStates.Updating:
                    await FollowUpdateAsync(rollout, device, entry, strategy, now, cancellationToken).ConfigureAwait(false);
                    break;
                case RolloutDeviceStates.Watching:
                    await WatchAsync(rollout, device, entry, strategy.AccuracyGate!, now, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        if (rollout.State == RolloutStates.Running)
        {
            CheckFailureThreshold(rollout, strategy, now);
        }

        if (rollout.State == RolloutStates.Running)
        {
            AdvanceWaves(rollout, strategy, now);
        }

        if (rollout.State == RolloutStates.Running)
        {
            await StartDevicesAsync(rollout, fleet, strategy, now, cancellationToken).ConfigureAwait(false);
        }

        if (rollout.UpdatedAt != before)
        {
            _store.Save(rollout);
        }
    }

    private async Task FollowUpdateAsync(StoredRollout rollout, StoredRolloutDevice device, FleetDevice? entry, RolloutStrategy strategy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var progress = LatestProgress(entry, rollout.Release);
        var runs = entry?.Reported?.Model.Release;
        if (runs == rollout.Release && (progress is null || progress.State == OtaStates.Committed))
        {
            var stats = entry!.Reported!.Stats;
            device.CommittedAt = now;
            device.LastFrames = stats.Frames;
            device.LastUncertain = stats.Uncertain;
            device.GateFrames = 0;
            device.GateUncertain = 0;
            device.OtaState = OtaStates.Committed;
            var gate = strategy.AccuracyGate!;
            SetState(rollout, device, RolloutDeviceStates.Watching, string.Create(CultureInfo.InvariantCulture, $"committed; the accuracy gate watches its next {gate.Escalations} escalations or {gate.Minutes} min"), now);
            return;
        }

        if (progress?.State is OtaStates.Failed or OtaStates.RolledBack)
        {
            device.OtaState = progress.State;
            await RestoreAsync(rollout, device, cancellationToken).ConfigureAwait(false);
            SetState(rollout, device, RolloutDeviceStates.Failed, $"{progress.State}: {progress.Reason ?? "no reason given"}", now);
            return;
        }

        await TrackStepAsync(rollout, device, entry, strategy, progress?.State, "model", now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An agent rollout's device: its reported agent update for this version decides. The agent commits only after its
    /// own health window (ready, inspecting frames), so committed is success; rolled back or refused is failure, with
    /// the device's reason, and its desired agent goes back to what it was so it does not try again.
    /// </summary>
    private async Task FollowAgentUpdateAsync(StoredRollout rollout, StoredRolloutDevice device, FleetDevice? entry, RolloutStrategy strategy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var version = rollout.AgentVersion!;
        var report = entry?.Reported?.AgentUpdate is { } latest && latest.Version == version ? latest : null;
        if (report?.State == AgentUpdateStates.Committed || (report is null && entry?.Reported?.AgentVersion == version))
        {
            device.OtaState = AgentUpdateStates.Committed;
            var stopped = report?.LineStoppedSeconds is { } seconds ? string.Create(CultureInfo.InvariantCulture, $"; the line stopped {seconds:0.0} s") : string.Empty;
            SetState(rollout, device, RolloutDeviceStates.Succeeded, $"committed agent {version} after its health window{stopped}", now);
            return;
        }

        if (report?.State is AgentUpdateStates.RolledBack or AgentUpdateStates.Refused)
        {
            device.OtaState = report.State;
            await RestoreAsync(rollout, device, cancellationToken).ConfigureAwait(false);
            var back = report.State == AgentUpdateStates.RolledBack ? $" (runs {report.Previous ?? device.FromAgentVersion ?? "its previous agent"} again)" : string.Empty;
            SetState(rollout, device, RolloutDeviceStates.Failed, $"{report.State}{back}: {report.Reason ?? "no reason given"}", now);
            return;
        }

        await TrackStepAsync(rollout, device, entry, strategy, report?.State, "agent", now, cancellationToken).ConfigureAwait(false);
    }

    // A device still updating: a new step restarts its clock; one that stays in a step (or never starts) past the
    // device timeout fails, and its desired model or agent goes back to its previous one.
    private async Task TrackStepAsync(StoredRollout rollout, StoredRolloutDevice device, FleetDevice? entry, RolloutStrategy strategy, string? step, string target, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (step is not null && step != device.OtaState)
        {
            device.OtaState = step;
            device.OtaSince = now;
            Touch(rollout, now);
        }

        var timeout = TimeSpan.FromSeconds(strategy.DeviceTimeoutSeconds!.Value);
        if (now - (device.OtaSince ?? device.StartedAt ?? now) > timeout)
        {
            await RestoreAsync(rollout, device, cancellationToken).ConfigureAwait(false);
            var held = device.OtaState is null ? "did not start the update" : $"stayed in '{device.OtaState}'";
            SetState(rollout, device, RolloutDeviceStates.Failed, string.Create(CultureInfo.InvariantCulture, $"timed out: {held} for more than {timeout.TotalSeconds:0} s{(entry?.Online == false ? " (offline)" : string.Empty)}; its desired {target} is its previous one again"), now);
        }
    }

    private async Task WatchAsync(StoredRollout rollout, StoredRolloutDevice device, FleetDevice? entry, AccuracyGate gate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (entry?.Reported is not { } reported)
        {
            return;
        }

        if (reported.Model.Release != rollout.Release)
        {
            SetState(rollout, device, RolloutDeviceStates.Failed, $"left release {rollout.Release} after committing it: it runs {DescribeRelease(reported.Model.Release)}", now);
            return;
        }

        var stats = reported.Stats;
        if (stats.Frames >= device.LastFrames && stats.Uncertain >= device.LastUncertain)
        {
            device.GateFrames += stats.Frames - device.LastFrames;
            device.GateUncertain += stats.Uncertain - device.LastUncertain;
        }
        else
        {
            // The agent restarted: its counters began again.
            device.GateFrames += stats.Frames;
            device.GateUncertain += stats.Uncertain;
        }

        device.LastFrames = stats.Frames;
        device.LastUncertain = stats.Uncertain;
        var watchedFor = now - (device.CommittedAt ?? now);
        if (device.GateUncertain < gate.Escalations!.Value && watchedFor < TimeSpan.FromMinutes(gate.Minutes!.Value))
        {
            return;
        }

        var before = device.BaselineFrames == 0 ? 0 : (double)device.BaselineUncertain / device.BaselineFrames;
        var after = device.GateFrames == 0 ? 0 : (double)device.GateUncertain / device.GateFrames;
        var disagreementBefore = _escalations.DisagreementOf(device.DeviceId, device.FromRelease ?? 0, null);
        var disagreementAfter = _escalations.DisagreementOf(device.DeviceId, rollout.Release, device.CommittedAt);
        if (AccuracyGateCheck.Judge(gate, (device.BaselineUncertain, device.BaselineFrames), (device.GateUncertain, device.GateFrames), disagreementBefore, disagreementAfter) is { } failure)
        {
            await RollBackAsync(rollout, device, cancellationToken).ConfigureAwait(false);
            SetState(rollout, device, RolloutDeviceStates.Failed, $"{failure}; sent back to {DescribeRelease(device.FromRelease)}", now);
            return;
        }

        SetState(rollout, device, RolloutDeviceStates.Succeeded, string.Create(
            CultureInfo.InvariantCulture,
            $"passed the accuracy gate: escalates {after:P1} of {device.GateFrames} frames (before {before:P1}); the cloud contradicted it on {disagreementAfter.Contradicted} of {disagreementAfter.Judged} escalations"), now);
    }

    private void CheckFailureThreshold(StoredRollout rollout, RolloutStrategy strategy, DateTimeOffset now)
    {
        var failed = rollout.Devices.Where(d => d.State == RolloutDeviceStates.Failed).ToList();
        var counted = failed.Count - rollout.FailuresAtResume;
        var started = rollout.Devices.Count(d => d.StartedAt is not null) - rollout.StartedAtResume;
        var threshold = strategy.FailureThreshold!;
        var crossed = (threshold.Count is { } count && counted >= count)
            || (threshold.Share is { } share && counted > 0 && started > 0 && (double)counted / started >= share);
        if (!crossed)
        {
            return;
        }

        var wave = rollout.Waves[rollout.CurrentWave];
        wave.State = WaveStates.Halted;
        rollout.State = RolloutStates.Halted;
        var limit = threshold.Count is { } c && threshold.Share is { } s ? string.Create(CultureInfo.InvariantCulture, $"{c} devices or {s:P0} of those started")
            : threshold.Count is { } only ? string.Create(CultureInfo.InvariantCulture, $"{only} device{(only == 1 ? string.Empty : "s")}")
            : string.Create(CultureInfo.InvariantCulture, $"{threshold.Share:P0} of those started");
        var examples = string.Join("; ", failed.TakeLast(3).Select(d => $"{d.DeviceId}: {d.Reason}"));
        rollout.Reason = string.Create(CultureInfo.InvariantCulture, $"halted in {WaveName(rollout.CurrentWave)}: {counted} of {started} devices started failed (threshold {limit}) — {examples}");
        Touch(rollout, now);
        Log.Halted(_logger, rollout.Id, rollout.Reason);
    }

    private void AdvanceWaves(StoredRollout rollout, RolloutStrategy strategy, DateTimeOffset now)
    {
        while (rollout.State == RolloutStates.Running)
        {
            var index = rollout.CurrentWave;
            var wave = rollout.Waves[index];
            var devices = rollout.Devices.Where(d => d.Wave == index).ToList();
            var succeeded = devices.Count(d => d.State == RolloutDeviceStates.Succeeded);
            var needed = (int)Math.Ceiling(devices.Count * strategy.SuccessThreshold!.Value - 1e-9);
            if (succeeded >= needed && wave.State == WaveStates.Running)
            {
                wave.State = WaveStates.Succeeded;
                wave.EndedAt = now;
                Touch(rollout, now);
            }

            if (wave.State == WaveStates.Succeeded)
            {
                if (index + 1 < rollout.Waves.Count)
                {
                    StartWave(rollout, index + 1, now);
                    continue;
                }

                if (rollout.Devices.All(d => RolloutDeviceStates.IsFinal(d.State)))
                {
                    rollout.State = RolloutStates.Completed;
                    var counts = Count(rollout.Devices);
                    rollout.Reason = $"{counts.Succeeded} of {counts.Total} devices succeeded, {counts.Failed} failed";
                    Touch(rollout, now);
                    Log.Completed(_logger, rollout.Id, rollout.Reason);
                }

                return;
            }

            if (devices.All(d => RolloutDeviceStates.IsFinal(d.State)))
            {
                wave.State = WaveStates.Halted;
                rollout.State = RolloutStates.Halted;
                rollout.Reason = string.Create(
                    CultureInfo.InvariantCulture,
                    $"halted after {WaveName(index)}: {succeeded} of {devices.Count} devices succeeded, {needed} needed (success threshold {strategy.SuccessThreshold:P0})");
                Touch(rollout, now);
                Log.Halted(_logger, rollout.Id, rollout.Reason);
            }

            return;
        }
    }

    private async Task StartDevicesAsync(StoredRollout rollout, Dictionary<string, FleetDevice> fleet, RolloutStrategy strategy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var slots = strategy.MaxConcurrentUpdates!.Value - rollout.Devices.Count(d => d.State == RolloutDeviceStates.Updating);
        var windowOpen = MaintenanceWindows.IsOpen(strategy.MaintenanceWindow, now);
        var timeout = TimeSpan.FromSeconds(strategy.DeviceTimeoutSeconds!.Value);
        ModelTarget? target = null;
        AgentTarget? agent = null;
        foreach (var device in rollout.Devices.Where(d => d.State == RolloutDeviceStates.Waiting).OrderBy(d => d.Wave).ThenBy(d => d.DeviceId, StringComparer.Ordinal).ToList())
        {
            fleet.TryGetValue(device.DeviceId, out var entry);
            if (rollout.AgentVersion is { } version && entry?.Reported?.AgentVersion == version)
            {
                SetState(rollout, device, RolloutDeviceStates.Succeeded, $"already runs agent {version}", now);
                continue;
            }

            // A device never takes a version again once its update of it ended: asking once more would only time out.
            if (rollout.AgentVersion is { } again && entry?.Reported?.AgentUpdate is { State: AgentUpdateStates.RolledBack or AgentUpdateStates.Refused } ended && ended.Version == again)
            {
                device.OtaState = ended.State;
                SetState(rollout, device, RolloutDeviceStates.Failed, $"{ended.State} agent {again} before this rollout ({ended.Reason ?? "no reason given"}): a device does not try a version again; publish a higher one", now);
                continue;
            }

            if (rollout.AgentVersion is null && entry?.Reported?.Model.Release == rollout.Release)
            {
                SetState(rollout, device, RolloutDeviceStates.Succeeded, $"already runs release {rollout.Release}", now);
                continue;
            }

            if (entry?.Online != true || entry.Reported is null)
            {
                if (now - device.Since > timeout)
                {
                    SetState(rollout, device, RolloutDeviceStates.Failed, string.Create(CultureInfo.InvariantCulture, $"timed out: offline for more than {timeout.TotalSeconds:0} s after its wave started"), now);
                }
                else if (device.Reason is null)
                {
                    device.Reason = "offline: starts when it comes back";
                    Touch(rollout, now);
                }

                continue;
            }

            if (!windowOpen)
            {
                if (device.Reason is not "waiting for the maintenance window")
                {
                    device.Reason = "waiting for the maintenance window";
                    Touch(rollout, now);
                }

                continue;
            }

            if (slots <= 0)
            {
                continue;
            }

            if (rollout.AgentVersion is { } agentVersion)
            {
                agent ??= _agents.TargetFor(agentVersion, new Uri(rollout.BaseUrl))
                    ?? throw new InvalidOperationException($"agent release {agentVersion} is no longer registered");
                device.FromAgentVersion = entry.Reported.AgentVersion;
                device.PreviousAgentJson = _desired.Find(device.DeviceId)?.Agent is { } previousAgent ? JsonSerializer.Serialize(previousAgent, Json) : null;
                device.StartedAt = now;
                device.OtaState = null;
                device.OtaSince = now;
                SetState(rollout, device, RolloutDeviceStates.Updating, $"desired agent set to {agentVersion}", now);
                _store.Save(rollout);
                await _commands.DirectAgentAsync(device.DeviceId, agent, $"rollout {rollout.Id}", cancellationToken).ConfigureAwait(false);
                slots--;
                continue;
            }

            // A release judged on reviewed parts is shadowed with the check's bar: it is meant to decide differently.
            target ??= _registry.TargetFor(rollout.Release, new Uri(rollout.BaseUrl), null, strategy.ReviewCheck?.ShadowMinAgreement, null)
                ?? throw new InvalidOperationException($"release {rollout.Release} is no longer registered");
            var reported = entry.Reported;
            device.FromRelease = reported.Model.Release;
            device.PreviousTargetJson = _desired.Find(device.DeviceId)?.Model is { } previous ? JsonSerializer.Serialize(previous, Json) : null;
            device.BaselineFrames = reported.Stats.Frames;
            device.BaselineUncertain = reported.Stats.Uncertain;
            device.StartedAt = now;
            device.OtaState = null;
            device.OtaSince = now;
            SetState(rollout, device, RolloutDeviceStates.Updating, $"desired model set to release {rollout.Release}", now);
            _store.Save(rollout);
            await _commands.DirectModelAsync(device.DeviceId, target, null, $"rollout {rollout.Id}", cancellationToken).ConfigureAwait(false);
            slots--;
        }
    }

    /// <summary>A device that failed during its update, or whose update is cancelled, gets its previous desired model (or agent) again.</summary>
    private async Task RestoreAsync(StoredRollout rollout, StoredRolloutDevice device, CancellationToken cancellationToken)
    {
        if (rollout.AgentVersion is not null)
        {
            var previousAgent = device.PreviousAgentJson is { } agentJson ? JsonSerializer.Deserialize<AgentTarget>(agentJson, Json) : null;
            _store.Save(rollout);
            await _commands.DirectAgentAsync(device.DeviceId, previousAgent, $"rollout {rollout.Id}", cancellationToken).ConfigureAwait(false);
            return;
        }

        var previous = device.PreviousTargetJson is { } json ? JsonSerializer.Deserialize<ModelTarget>(json, Json) : null;
        _store.Save(rollout);
        await _commands.DirectModelAsync(device.DeviceId, previous, null, $"rollout {rollout.Id}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A device that committed and then failed the accuracy gate is sent back one step, to the model it ran before.</summary>
    private async Task RollBackAsync(StoredRollout rollout, StoredRolloutDevice device, CancellationToken cancellationToken)
    {
        ModelTarget? back = null;
        if (device.FromRelease is { } release)
        {
            back = _registry.TargetFor(release, new Uri(rollout.BaseUrl), null, null, null);
            if (back is null)
            {
                Log.RollbackUnavailable(_logger, rollout.Id, device.DeviceId, release);
                return;
            }
        }

        _store.Save(rollout);
        await _commands.DirectModelAsync(device.DeviceId, back, new ModelRollback(rollout.Release, device.FromRelease), $"rollout {rollout.Id} (accuracy gate)", cancellationToken).ConfigureAwait(false);
    }

    private void Supersede(StoredRollout older, HashSet<string> devices, string newer, DateTimeOffset now)
    {
        var taken = older.Devices.Where(d => devices.Contains(d.DeviceId) && !RolloutDeviceStates.IsFinal(d.State)).ToList();
        if (taken.Count == 0)
        {
            return;
        }

        foreach (var device in taken)
        {
            var what = device.State switch
            {
                RolloutDeviceStates.Updating => $"was updating ({device.OtaState ?? "not started yet"}) to {Describe(older)}",
                RolloutDeviceStates.Watching => $"had committed {Describe(older)}",
                _ => "had not started",
            };
            SetState(older, device, RolloutDeviceStates.Cancelled, $"superseded by rollout {newer}: {what}", now);
        }

        if (older.Devices.All(d => RolloutDeviceStates.IsFinal(d.State)))
        {
            foreach (var wave in older.Waves.Where(w => w.State is WaveStates.Pending or WaveStates.Running))
            {
                wave.State = WaveStates.Cancelled;
                wave.EndedAt = now;
            }

            older.State = RolloutStates.Superseded;
            older.Reason = $"superseded by rollout {newer}, which took its remaining {taken.Count} device{(taken.Count == 1 ? string.Empty : "s")}";
            _active?.Remove(older.Id);
        }

        _store.Save(older);
        Log.Superseded(_logger, older.Id, newer, taken.Count);
    }

    private static void StartWave(StoredRollout rollout, int index, DateTimeOffset now)
    {
        rollout.CurrentWave = index;
        var wave = rollout.Waves[index];
        wave.State = WaveStates.Running;
        wave.StartedAt = now;
        foreach (var device in rollout.Devices.Where(d => d.Wave == index && d.State == RolloutDeviceStates.Pending))
        {
            device.State = RolloutDeviceStates.Waiting;
            device.Reason = null;
            device.Since = now;
        }

        Touch(rollout, now);
    }

    private static void SetState(StoredRollout rollout, StoredRolloutDevice device, string state, string reason, DateTimeOffset now)
    {
        device.State = state;
        device.Reason = reason;
        device.Since = now;
        Touch(rollout, now);
    }

    private static void Touch(StoredRollout rollout, DateTimeOffset now) =>
        rollout.UpdatedAt = now > rollout.UpdatedAt ? now : rollout.UpdatedAt.AddTicks(1);

    private static OtaProgress? LatestProgress(FleetDevice? entry, long release)
    {
        if (entry is null)
        {
            return null;
        }

        var latest = entry.LastOtaProgress?.FirstOrDefault(p => p.Release == release);
        return entry.Reported?.Ota is { } reported && reported.Release == release && (latest is null || reported.At > latest.At) ? reported : latest;
    }

    private static RolloutStrategy Strategy(StoredRollout rollout) =>
        JsonSerializer.Deserialize<RolloutStrategy>(rollout.StrategyJson, Json) ?? throw new InvalidDataException($"rollout {rollout.Id} has no strategy");

    private static string Describe(string what, string actor, RolloutAction? action) =>
        $"{what} by {(string.IsNullOrWhiteSpace(actor) ? "unknown" : actor)}{(string.IsNullOrWhiteSpace(action?.Reason) ? string.Empty : ": " + action.Reason)}";

    private static string Describe(StoredRollout rollout) =>
        rollout.AgentVersion is { } agent ? $"agent {agent}" : $"release {rollout.Release.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>What a request rolls out: a model release, or an agent release (release 0).</summary>
    private (long Release, string Name, string Version) Subject(RolloutRequest request)
    {
        if (request.AgentVersion is not { } agent)
        {
            var model = _registry.Find(request.Release) ?? throw new KeyNotFoundException($"release {request.Release} is not registered (GET /api/models)");
            return (model.Id, model.Name, model.Version);
        }

        if (request.Release != 0)
        {
            throw new ArgumentException("give release (a model) or agentVersion (an edge agent), not both");
        }

        var release = _agents.Find(agent) ?? throw new KeyNotFoundException($"agent release {agent} is not registered (GET /api/agent-releases)");
        return (0, Inspection.Detection.Packaging.AgentManifest.BundleKind, release.Version);
    }

    private static string DescribeRelease(long? release) => release is { } r ? $"release {r}" : "its configured model";

    private static string WaveName(int index) => index == 0 ? "the canary" : $"wave {index}";

    private static RolloutCounts Count(IEnumerable<StoredRolloutDevice> devices)
    {
        int pending = 0, waiting = 0, updating = 0, watching = 0, succeeded = 0, failed = 0, cancelled = 0;
        foreach (var device in devices)
        {
            switch (device.State)
            {
                case RolloutDeviceStates.Pending: pending++; break;
                case RolloutDeviceStates.Waiting: waiting++; break;
                case RolloutDeviceStates.Updating: updating++; break;
                case RolloutDeviceStates.Watching: watching++; break;
                case RolloutDeviceStates.Succeeded: succeeded++; break;
                case RolloutDeviceStates.Failed: failed++; break;
                default: cancelled++; break;
            }
        }

        return new RolloutCounts(pending, waiting, updating, watching, succeeded, failed, cancelled);
    }

    private static RolloutView View(StoredRollout rollout) => new(
        rollout.Id,
        rollout.Release,
        rollout.ModelName,
        rollout.ModelVersion,
        JsonSerializer.Deserialize<RolloutTarget>(rollout.TargetJson, Json)!,
        Strategy(rollout),
        rollout.State,
        rollout.Reason,
        rollout.IssuedBy,
        rollout.CreatedAt,
        rollout.UpdatedAt,
        rollout.CurrentWave,
        [.. rollout.Waves.Select(w =>
        {
            var devices = rollout.Devices.Where(d => d.Wave == w.Index).ToList();
            return new WaveView(w.Index, w.Index == 0 ? "canary" : $"wave {w.Index}", devices.Count, w.State, Count(devices), w.StartedAt, w.EndedAt);
        })],
        [.. rollout.Devices.Select(d => new RolloutDeviceView(d.DeviceId, d.Wave, d.State, d.Reason, d.Since, d.FromRelease, d.OtaState, d.FromAgentVersion))],
        Count(rollout.Devices),
        rollout.ReviewCheckJson is { } review ? JsonSerializer.Deserialize<ReviewCheckResult>(review, Json) : null,
        rollout.AgentVersion);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout of release {Release} refused by its review check: {Summary}")]
        public static partial void ReviewCheckRefused(ILogger logger, long release, string summary);

        [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Id} of {Subject} started by {IssuedBy}: {Devices} devices in {Waves} waves")]
        public static partial void Started(ILogger logger, string id, string subject, int devices, int waves, string issuedBy);

        [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Id} resumed after a restart ({State}, {Open} devices not finished)")]
        public static partial void Resumed(ILogger logger, string id, string state, int open);

        [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Id} is {State}: {Reason}")]
        public static partial void Changed(ILogger logger, string id, string state, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {Id} halted: {Reason}")]
        public static partial void Halted(ILogger logger, string id, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Id} completed: {Reason}")]
        public static partial void Completed(ILogger logger, string id, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Id} superseded by {Newer} for {Devices} devices")]
        public static partial void Superseded(ILogger logger, string id, string newer, int devices);

        [LoggerMessage(Level = LogLevel.Error, Message = "Rollout {Id} cannot send {DeviceId} back to release {Release}: it is no longer registered")]
        public static partial void RollbackUnavailable(ILogger logger, string id, string deviceId, long release);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Count} rollouts are going: the replica holding the {Lease} lease drives them; this one answers the API")]
        public static partial void DrivenElsewhere(ILogger logger, int count, string lease);

        [LoggerMessage(Level = LogLevel.Error, Message = "A pass over the rollouts failed; it is tried again at the next tick")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
