using Inspection.Detection;
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
/// </summary>
public sealed partial class ActiveModel : IHostedService, IDisposable
{
    private readonly DetectorFactory _factory;
    private readonly DetectorOptions _detectorOptions;
    private readonly DecisionBand _configuredBand;
    private readonly CommittedModelFile _committed;
    private readonly TimeProvider _time;
    private readonly ILogger<ActiveModel> _logger;
    private readonly Lock _frameLock = new();
    private LoadedModel? _current;
    private LoadedModel? _previous;
    private ModelTransition? _transition;
    private long _lastFrameEnd;
    private long _lastSequence;
    private long _lastOldSequence;
    private bool _firstFramePending;
    private SwapTiming? _lastSwap;

    public ActiveModel(
        DetectorFactory factory,
        IOptions<DetectorOptions> detectorOptions,
        IOptions<DecisionOptions> decision,
        CommittedModelFile committed,
        TimeProvider time,
        ILogger<ActiveModel> logger)
    {
        _factory = factory;
        _detectorOptions = detectorOptions.Value;
        _configuredBand = decision.Value.ToBand();
        _committed = committed;
        _time = time;
        _logger = logger;
    }

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    /// <summary>The model that decides now; throws until the host has started.</summary>
    public LoadedModel Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("The detection model is not loaded yet.");

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

    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(LoadAtStart, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Called by the inspection loop at the start of each frame; holds the frame lock until the scope is disposed.
    /// </summary>
    public FrameScope BeginFrame()
    {
        var scope = _frameLock.EnterScope();
        try
        {
            var transition = _transition;
            return new FrameScope(
                this,
                scope,
                Current,
                transition?.Phase switch
                {
                    TransitionPhase.Shadowing => transition.Candidate,
                    TransitionPhase.Watching => _previous,
                    _ => null,
                },
                transition);
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

    /// <summary>Lets the candidate decide from the next frame on; the current model stays loaded as the previous one.</summary>
    public void Swap(ModelTransition transition)
    {
        lock (_frameLock)
        {
            EnsureRunning(transition, TransitionPhase.Shadowing);
            transition.Swapped();
            _previous = _current;
            Volatile.Write(ref _current, transition.Candidate);
            _lastOldSequence = _lastSequence;
            _firstFramePending = true;
        }

        Log.Swapped(_logger, transition.Candidate.Detector.Model.Name, transition.Candidate.Release ?? 0, _lastOldSequence);
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
                Log.RolledBack(_logger, Current.Detector.Model.Name, Current.Release ?? 0, _lastSequence);
            }

            release = transition.Candidate;
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
        lock (_frameLock)
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
            _previous = null;
            _current = null;
        }
    }

    /// <summary>What the loop reports at the end of a frame (inside the frame lock).</summary>
    internal void Observe(ModelTransition? transition, bool shadowed, long sequence, Decision? decision, TimeSpan latency, Decision? shadowDecision, TimeSpan shadowLatency)
    {
        var now = _time.GetTimestamp();
        if (_firstFramePending && decision is not null)
        {
            _firstFramePending = false;
            var timing = new SwapTiming(_lastOldSequence, sequence, _lastFrameEnd == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_lastFrameEnd, now));
            Volatile.Write(ref _lastSwap, timing);
            transition?.FirstFrame(timing);
        }

        _lastFrameEnd = now;
        if (decision is not null && sequence >= 0)
        {
            _lastSequence = sequence;
        }

        if (transition is null)
        {
            return;
        }

        if (transition.Phase == TransitionPhase.Watching)
        {
            transition.RecordWatched(decision, latency, shadowed ? shadowDecision : null, shadowLatency);
        }
        else if (shadowed && decision is { } current)
        {
            transition.RecordShadow(current, shadowDecision);
        }
    }

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

        Volatile.Write(ref _current, model ?? new LoadedModel(_factory(_detectorOptions), _configuredBand, null, null));
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
    }
}
