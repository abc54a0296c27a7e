using Inspection.Detection;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Ota;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// The one owner of the models the agent holds: the model that decides (<see cref="Current"/>), during a model change
/// the candidate beside it, and after a swap the previous model, which keeps running beside the new one on the same
/// frames until the change commits. It loads the
/// committed model (or, before any update, the configured one) while the host starts, so the agent reports ready only
/// when a model is warm and never starts on an uncommitted one.
/// <para>
/// The inspection loop holds the frame lock from <see cref="BeginFrame"/> to the end of the frame; every switch
/// (begin, swap, rollback, commit) takes the same lock, so it happens between two frames: no frame is dropped,
/// inspected twice, or run on a model being released. A released model is disposed after the lock is let go, when no
/// frame can hold it any more, so the loop never waits for a native session to close.
/// </para>
/// <para>
/// It is the device's <see cref="IModelSwitch"/>: a model update loads its candidate here and drives the change
/// through <see cref="ActiveModelChange"/>.
/// </para>
/// </summary>
public sealed partial class ActiveModel : IHostedService, IModelSwitch, IDisposable
{
    private const double Smoothing = 0.2;

    // How long disposing waits for the frame in progress to end.
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(1);
    private readonly DetectorFactory _factory;
    private readonly DetectorOptions _detectorOptions;
    private readonly DecisionBand _configuredBand;
    private readonly CommittedModelFile _committed;
    private readonly FramePacer _pacer;
    private readonly double _allowedLateness;
    private readonly int _maxFramesAlone;
    private readonly TimeProvider _time;
    private readonly SystemdWatchdog _systemd;
    private readonly ILogger<ActiveModel> _logger;
    private readonly Lock _frameLock = new();
    private LoadedModel? _current;
    private LoadedModel? _previous;
    private ModelTransition? _transition;
    private ModelTransition? _swapAskedFor;
    private long _lastDecisionAt;
    private long _lastSequence;
    private long _lastOldSequence;
    private bool _firstFramePending;
    private SwapTiming? _lastSwap;
    private int _failedInARow;

    // The frame in progress (the loop's thread, under the frame lock).
    private ModelTransition? _frameTransition;
    private Decision? _frameDecision;
    private TimeSpan _frameLatency;
    private bool _frameRanSecond;

    // Between frames: whether the last frame ran alone, how many frames in a row went without the second model
    // though the change wanted it, and how long each model takes (smoothed).
    private bool _lastFrameAlone = true;
    private int _framesAlone;
    private double _decidingMs = double.NaN;
    private double _secondMs = double.NaN;

    public ActiveModel(
        DetectorFactory factory,
        IOptions<DetectorOptions> detectorOptions,
        IOptions<DecisionOptions> decision,
        CommittedModelFile committed,
        FramePacer pacer,
        IOptions<OtaOptions> ota,
        TimeProvider time,
        SystemdWatchdog systemd,
        ILogger<ActiveModel> logger)
    {
        _factory = factory;
        _detectorOptions = detectorOptions.Value;
        _configuredBand = decision.Value.ToBand();
        _committed = committed;
        _pacer = pacer;
        _allowedLateness = ota.Value.SecondModelLateness;
        _maxFramesAlone = ota.Value.MinSecondModelShare >= 1 ? 0
            : ota.Value.MinSecondModelShare <= 0 ? int.MaxValue
            : (int)Math.Ceiling(1 / ota.Value.MinSecondModelShare) - 1;
        _time = time;
        _systemd = systemd;
        _logger = logger;
    }

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    /// <summary>The model that decides now; throws until the host has started.</summary>
    public LoadedModel Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("The detection model is not loaded yet.");

    /// <inheritdoc/>
    public RunningModel? Running => Volatile.Read(ref _current) is { } model ? new RunningModel(model.Info, model.Detector.ExecutionProvider, Volatile.Read(ref _failedInARow)) : null;

    /// <summary>How the loop went over the last swap (or null before any): for the update's log and the bench.</summary>
    public SwapTiming? LastSwap => Volatile.Read(ref _lastSwap);

    /// <summary>The running model change, if any.</summary>
    public ModelTransition? Transition => Volatile.Read(ref _transition);

    /// <summary>The detector options a package's model runs with: the configured provider chain with its recommended settings.</summary>
    public DetectorOptions OptionsFor(RecommendedSettings recommended, string modelPath, string tensorRtCachePath)
    {
        ArgumentNullException.ThrowIfNull(recommended);
        var options = recommended.Apply(_detectorOptions, modelPath);
        options.TensorRtCachePath = tensorRtCachePath;
        return options;
    }

    /// <summary>Loads and warms a model (a candidate); the caller owns it until it is handed to <see cref="Begin"/>.</summary>
    public LoadedModel Load(DetectorOptions options, DecisionBand band, long? release, string? sha256) =>
        new(_factory(options), band, release, sha256);

    /// <inheritdoc/>
    public async Task<IModelChange> LoadAsync(ModelManifest manifest, string folder, string tensorRtCachePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var options = OptionsFor(manifest.Recommended, Path.Combine(folder, manifest.Model.Path), tensorRtCachePath);
        var candidate = await Task.Run(() => Load(options, manifest.Recommended.Band, manifest.Release, manifest.Model.Sha256), cancellationToken).ConfigureAwait(false);
        var model = candidate.Detector.Model;
        var summary = manifest.Summary;
        if (!model.ClassNames.SequenceEqual(summary.Classes, StringComparer.Ordinal) || model.InputWidth != summary.InputWidth || model.InputHeight != summary.InputHeight)
        {
            candidate.Dispose();
            throw new UpdateRefusedException(
                $"the model's metadata ({model.InputWidth}x{model.InputHeight}, classes {string.Join(", ", model.ClassNames)}) is not what its manifest says ({summary.InputWidth}x{summary.InputHeight}, classes {string.Join(", ", summary.Classes)})");
        }

        return new ActiveModelChange(this, candidate);
    }

    /// <inheritdoc/>
    public async Task<IModelChange> LoadConfiguredAsync(CancellationToken cancellationToken) =>
        new ActiveModelChange(this, await Task.Run(() => Load(_detectorOptions, _configuredBand, null, null), cancellationToken).ConfigureAwait(false));

    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(LoadAtStart, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Called by the inspection loop at the start of each frame; holds the frame lock until the scope is disposed.
    /// A swap asked for is made here, at the start of a frame that follows one which ran alone: that frame ended in
    /// its time, so the first frame on the new model starts on schedule.
    /// </summary>
    public FrameScope BeginFrame()
    {
        var scope = _frameLock.EnterScope();
        try
        {
            if (_swapAskedFor is { } asked && _lastFrameAlone)
            {
                _swapAskedFor = null;
                asked.Swapped();
                _previous = _current;
                Volatile.Write(ref _current, asked.Candidate);
                _lastOldSequence = _lastSequence;
                _firstFramePending = true;
                Volatile.Write(ref _failedInARow, 0);
                (_decidingMs, _secondMs) = (_secondMs, _decidingMs);
                Log.Swapped(_logger, asked.Candidate.Detector.Model.Name, asked.Candidate.Release ?? 0, _lastOldSequence);
            }

            _frameTransition = _transition;
            _frameDecision = null;
            _frameLatency = TimeSpan.Zero;
            _frameRanSecond = false;
            return new FrameScope(this, scope, Current);
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>Starts a model change: from the next frame on, the candidate sees every frame beside the current model.</summary>
    public void Begin(ModelTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        lock (_frameLock)
        {
            if (_transition is not null)
            {
                throw new InvalidOperationException("A model change is already running.");
            }

            Volatile.Write(ref _transition, transition);
        }
    }

    /// <summary>
    /// Asks the loop to let the candidate decide from the next frame that starts on schedule (see
    /// <see cref="BeginFrame"/>); <see cref="ModelTransition.SwapApplied"/> completes when it has. The current model
    /// stays loaded as the previous one.
    /// </summary>
    public void Swap(ModelTransition transition)
    {
        lock (_frameLock)
        {
            EnsureRunning(transition, TransitionPhase.Shadowing);
            if (_swapAskedFor is not null)
            {
                throw new InvalidOperationException("The swap has been asked for already.");
            }

            _swapAskedFor = transition;
        }
    }

    /// <summary>
    /// Ends a change without keeping the candidate: before the swap it is simply dropped; after it, the previous
    /// model decides again from the next frame on. The candidate is released.
    /// </summary>
    public void Rollback(ModelTransition transition)
    {
        LoadedModel release;
        lock (_frameLock)
        {
            EnsureRunning(transition, null);
            if (transition.Phase == TransitionPhase.Watching && _previous is not null)
            {
                Volatile.Write(ref _current, _previous);
                _previous = null;
                _firstFramePending = false;
                Volatile.Write(ref _failedInARow, 0);
                Log.RolledBack(_logger, Current.Detector.Model.Name, Current.Release ?? 0, _lastSequence);
            }

            release = transition.Candidate;
            _swapAskedFor = null;
            transition.Ended();
            Volatile.Write(ref _transition, null);
        }

        release.Dispose();
    }

    /// <summary>Ends a swapped change keeping the new model; the previous model is released.</summary>
    public void Commit(ModelTransition transition)
    {
        LoadedModel? release;
        lock (_frameLock)
        {
            EnsureRunning(transition, TransitionPhase.Watching);
            release = _previous;
            _previous = null;
            transition.Ended();
            Volatile.Write(ref _transition, null);
        }

        release?.Dispose();
    }

    public void Dispose()
    {
        // A frame whose inference never returns holds the frame lock for good. The process is stopping then: its
        // sessions go with it, and waiting would hold the stop until systemd kills the agent (TimeoutStopSec=).
        if (!_frameLock.TryEnter(DisposeWait))
        {
            Log.DisposeSkipped(_logger, DisposeWait.TotalSeconds);
            return;
        }

        try
        {
            _transition?.Candidate.Dispose();
            if (!ReferenceEquals(_previous, _transition?.Candidate))
            {
                _previous?.Dispose();
            }

            if (!ReferenceEquals(_current, _transition?.Candidate))
            {
                _current?.Dispose();
            }

            _transition = null;
            _swapAskedFor = null;
            _previous = null;
            _current = null;
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    /// <summary>The deciding model's result on the frame (a null decision: it failed; sequence -1: the frame got none).</summary>
    internal void Decided(long sequence, Decision? decision, TimeSpan latency)
    {
        var now = _time.GetTimestamp();
        if (_firstFramePending && decision is not null)
        {
            _firstFramePending = false;
            var timing = new SwapTiming(_lastOldSequence, sequence, _lastDecisionAt == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_lastDecisionAt, now), _pacer.Lateness);
            Volatile.Write(ref _lastSwap, timing);
            _frameTransition?.FirstFrame(timing);
        }

        if (decision is not null)
        {
            _lastDecisionAt = now;
            _decidingMs = Smooth(_decidingMs, latency);
            if (sequence >= 0)
            {
                _lastSequence = sequence;
            }
        }

        // Counted for the model that decides now only: a swap or a rollback starts the count again.
        Volatile.Write(ref _failedInARow, decision is not null ? 0 : _failedInARow == int.MaxValue ? int.MaxValue : _failedInARow + 1);
        _frameDecision = decision;
        _frameLatency = latency;
        if (_frameTransition?.Phase == TransitionPhase.Watching)
        {
            _frameTransition.RecordDecided(decision);
        }
    }

    /// <summary>
    /// The model to run beside the deciding one on this frame, or null: no change needs one, the deciding model
    /// failed, or the frame leaves no time for it. It runs when it is expected to end before the next frame is due,
    /// or at most <see cref="OtaOptions.SecondModelLateness"/> of a frame interval after (the frames after it make the
    /// time up); and, so that a change ends on a line that leaves no time at all, at least on a share of the frames
    /// (<see cref="OtaOptions.MinSecondModelShare"/>).
    /// </summary>
    internal LoadedModel? SecondModel()
    {
        var transition = _frameTransition;
        if (transition is null || _frameDecision is null || !transition.WantsSecondModel || ReferenceEquals(_swapAskedFor, transition))
        {
            return null;
        }

        var model = transition.Phase == TransitionPhase.Shadowing ? transition.Candidate : _previous;
        if (model is null)
        {
            return null;
        }

        if (!HasTimeFor(double.IsNaN(_secondMs) ? _decidingMs : _secondMs) && _framesAlone < _maxFramesAlone)
        {
            _framesAlone++;
            return null;
        }

        _framesAlone = 0;
        _frameRanSecond = true;
        return model;
    }

    /// <summary>What the second model decided on the frame (null: it failed on it) and how long it took.</summary>
    internal void SecondModelDecided(Decision? decision, TimeSpan latency)
    {
        var transition = _frameTransition;
        if (!_frameRanSecond || transition is null || _frameDecision is not { } deciding)
        {
            return;
        }

        if (decision is not null)
        {
            _secondMs = Smooth(_secondMs, latency);
        }

        if (transition.Phase == TransitionPhase.Watching)
        {
            transition.RecordWatched(deciding, _frameLatency, decision, latency);
        }
        else
        {
            transition.RecordShadow(deciding, decision);
        }
    }

    /// <summary>The end of the frame (before the frame lock is let go).</summary>
    internal void EndFrame()
    {
        _lastFrameAlone = !_frameRanSecond;
        if (_frameRanSecond)
        {
            _pacer.FrameDidExtraWork();
        }

        _frameTransition = null;
    }

    private bool HasTimeFor(double expectedMs)
    {
        if (_pacer.NextDue is not { } due || _pacer.Period is not { } period || double.IsNaN(expectedMs))
        {
            return true;
        }

        var ends = _time.GetUtcNow() + TimeSpan.FromMilliseconds(expectedMs);
        return ends <= due + (period * _allowedLateness);
    }

    private static double Smooth(double average, TimeSpan sample) =>
        double.IsNaN(average) ? sample.TotalMilliseconds : (average * (1 - Smoothing)) + (sample.TotalMilliseconds * Smoothing);

    private void EnsureRunning(ModelTransition transition, TransitionPhase? phase)
    {
        ArgumentNullException.ThrowIfNull(transition);
        if (!ReferenceEquals(_transition, transition))
        {
            throw new InvalidOperationException("That model change is not the running one.");
        }

        if (phase is { } expected && transition.Phase != expected)
        {
            throw new InvalidOperationException($"The model change is {transition.Phase}, not {expected}.");
        }
    }

    private void LoadAtStart()
    {
        if (IsLoaded)
        {
            return;
        }

        // systemctl status shows why the agent is not ready yet: a first TensorRT engine build takes minutes.
        _systemd.SetStatus($"warming up the model ({string.Join(", ", _detectorOptions.ExecutionProviders)}); ready when it is warm");
        LoadedModel? model = null;
        try
        {
            if (_committed.Read() is { } committed)
            {
                model = Load(
                    OptionsFor(committed.Recommended, committed.ModelPath, committed.TensorRtCachePath),
                    committed.Recommended.Band,
                    committed.Release,
                    committed.Sha256);
                Log.LoadedCommitted(_logger, committed.Name, committed.Version, committed.Release, committed.ModelPath);
            }
        }
        catch (Exception ex) when (ex is ModelContractException or IOException or InvalidDataException)
        {
            // A damaged committed model must not stop the line: the configured model runs, and the error says why.
            Log.CommittedUnusable(_logger, _committed.PointerPath, _detectorOptions.ModelPath, ex);
        }

        model ??= new LoadedModel(_factory(_detectorOptions), _configuredBand, null, null);
        Volatile.Write(ref _current, model);
        var info = model.Detector.Model;
        _systemd.SetStatus($"model {info.Name} {info.Version} warm on {model.Detector.ExecutionProvider}");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Running the committed model {Name} {Version} (release {Release}) from {Path}")]
        public static partial void LoadedCommitted(ILogger logger, string name, string version, long release, string path);

        [LoggerMessage(EventId = 1701, Level = LogLevel.Error, Message = "The committed model named by {Pointer} cannot be used; running the configured model {Configured} instead")]
        public static partial void CommittedUnusable(ILogger logger, string pointer, string configured, Exception exception);

        [LoggerMessage(EventId = 1702, Level = LogLevel.Information, Message = "Swapped to model {Name} (release {Release}) after frame {Sequence}")]
        public static partial void Swapped(ILogger logger, string name, long release, long sequence);

        [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "Rolled back to model {Name} (release {Release}) after frame {Sequence}")]
        public static partial void RolledBack(ILogger logger, string name, long release, long sequence);

        [LoggerMessage(EventId = 1710, Level = LogLevel.Warning, Message = "A frame still runs after {Seconds} s (an inference that does not return); the models are left to the process exit")]
        public static partial void DisposeSkipped(ILogger logger, double seconds);
    }
}
