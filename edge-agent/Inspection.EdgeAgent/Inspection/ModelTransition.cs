using System.Globalization;
using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// One model change as the inspection loop sees it. The update worker creates it with a loaded, validated candidate
/// and drives it through <see cref="ActiveModel"/> (begin, swap, commit or roll back, each between two frames); the
/// loop reports every frame back: shadow agreement while the candidate runs beside the deciding model, then the
/// health window, in which the previous model runs beside the new one, so both are judged on the same frames (a line
/// brings defects in bursts: two different stretches of it would not compare). The second model runs only on frames
/// that leave time for it (<see cref="ActiveModel"/> decides), so agreement, latency and escalation rate are taken
/// over the frames both models saw; the new model's failures count on every frame it decides. The worker awaits the
/// tasks, which complete on the loop's thread and continue on the pool.
/// </summary>
public sealed class ModelTransition
{
    private readonly int _shadowTarget;
    private readonly HealthBounds _bounds;
    private readonly FrameWindow _watched;
    private readonly FrameWindow _previousWatched;
    private readonly TaskCompletionSource<ShadowResult> _shadowed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _swapped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SwapTiming> _firstFrame = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<HealthResult> _watchedDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _phase;
    private int _shadowFrames;
    private int _agreed;
    private int _candidateErrors;
    private int _decidedAfterSwap;
    private int _errorsAfterSwap;

    public ModelTransition(LoadedModel candidate, int shadowFrames, HealthBounds bounds)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentOutOfRangeException.ThrowIfNegative(shadowFrames);
        ArgumentNullException.ThrowIfNull(bounds);
        Candidate = candidate;
        _shadowTarget = shadowFrames;
        _bounds = bounds;
        _watched = new FrameWindow(Math.Max(1, bounds.Frames));
        _previousWatched = new FrameWindow(Math.Max(1, bounds.Frames));
        if (shadowFrames == 0)
        {
            _shadowed.TrySetResult(new ShadowResult(0, 0, 0));
        }
    }

    public LoadedModel Candidate { get; }

    public TransitionPhase Phase => (TransitionPhase)Volatile.Read(ref _phase);

    /// <summary>Completes once the candidate has seen the shadow frames beside the current model.</summary>
    public Task<ShadowResult> Shadowed => _shadowed.Task;

    /// <summary>Completes when the loop has swapped the models (between two frames, after a swap was asked for).</summary>
    public Task SwapApplied => _swapped.Task;

    /// <summary>Completes when the first frame after the swap has been decided by the new model.</summary>
    public Task<SwapTiming> FirstFrameAfterSwap => _firstFrame.Task;

    /// <summary>Completes when the health window is full, or at once when the new model fails beyond the bounds.</summary>
    public Task<HealthResult> Watched => _watchedDone.Task;

    /// <summary>The shadow so far (for progress reports; read from another thread, so approximate).</summary>
    public ShadowResult ShadowSoFar => new(Volatile.Read(ref _shadowFrames), Volatile.Read(ref _agreed), Volatile.Read(ref _candidateErrors));

    /// <summary>Frames both models saw so far in the health window.</summary>
    public int WatchedFrames => _watched.Count;

    /// <summary>Whether a second model still has to run beside the deciding one.</summary>
    internal bool WantsSecondModel => Phase switch
    {
        TransitionPhase.Shadowing => !_shadowed.Task.IsCompleted,
        TransitionPhase.Watching => !_watchedDone.Task.IsCompleted,
        _ => false,
    };

    internal void RecordShadow(Decision current, Decision? candidate)
    {
        if (_shadowed.Task.IsCompleted)
        {
            return;
        }

        Interlocked.Increment(ref _shadowFrames);
        if (candidate is null)
        {
            Interlocked.Increment(ref _candidateErrors);
        }
        else if (candidate == current)
        {
            Interlocked.Increment(ref _agreed);
        }

        if (_shadowFrames >= _shadowTarget)
        {
            _shadowed.TrySetResult(new ShadowResult(_shadowFrames, _agreed, _candidateErrors));
        }
    }

    /// <summary>The swap: from now on the candidate decides, and the previous model runs beside it on the same frames.</summary>
    internal void Swapped()
    {
        Volatile.Write(ref _phase, (int)TransitionPhase.Watching);
        _swapped.TrySetResult();
        if (_bounds.Frames == 0)
        {
            var none = new FrameStats(0, 0, 0, 0);
            _watchedDone.TrySetResult(new HealthResult(true, none, none, null));
        }
    }

    internal void Ended()
    {
        Volatile.Write(ref _phase, (int)TransitionPhase.Ended);

        // A worker waiting for frames that will not come (the change ended some other way) must not wait forever.
        _shadowed.TrySetCanceled();
        _swapped.TrySetCanceled();
        _firstFrame.TrySetCanceled();
        _watchedDone.TrySetCanceled();
    }

    internal void FirstFrame(SwapTiming timing) => _firstFrame.TrySetResult(timing);

    /// <summary>A frame the new model decided after the swap (null: it failed on it); failures beyond the bounds end the window at once.</summary>
    internal void RecordDecided(Decision? decision)
    {
        if (_watchedDone.Task.IsCompleted)
        {
            return;
        }

        Interlocked.Increment(ref _decidedAfterSwap);
        if (decision is not null)
        {
            return;
        }

        var errors = Interlocked.Increment(ref _errorsAfterSwap);
        if (errors > _bounds.MaxErrors)
        {
            _watchedDone.TrySetResult(new HealthResult(false, _previousWatched.Snapshot(), _watched.Snapshot() with { Errors = errors }, string.Create(
                CultureInfo.InvariantCulture,
                $"the new model failed on {errors} of {_decidedAfterSwap} frames after the swap (at most {_bounds.MaxErrors} allowed)")));
        }
    }

    /// <summary>
    /// One frame of the health window both models saw: the new model's decision and time, and the previous model's
    /// on the same frame (null decisions: that model failed on it).
    /// </summary>
    internal void RecordWatched(Decision decision, TimeSpan latency, Decision? previousDecision, TimeSpan previousLatency)
    {
        if (_watchedDone.Task.IsCompleted)
        {
            return;
        }

        _watched.Add(decision, latency);
        _previousWatched.Add(previousDecision, previousLatency);
        if (_watched.Count >= _bounds.Frames)
        {
            _watchedDone.TrySetResult(Judge(_previousWatched.Snapshot(), _watched.Snapshot() with { Errors = Volatile.Read(ref _errorsAfterSwap) }));
        }
    }
    private HealthResult Judge(FrameStats baseline, FrameStats observed)
    {
        if (baseline.Frames > 0 && baseline.MeanLatencyMs > 0 && observed.MeanLatencyMs > baseline.MeanLatencyMs * _bounds.MaxLatencyRatio
            && observed.MeanLatencyMs - baseline.MeanLatencyMs > _bounds.LatencyToleranceMs)
        {
            return new HealthResult(false, baseline, observed, string.Create(
                CultureInfo.InvariantCulture,
                $"the new model takes {observed.MeanLatencyMs:0.0} ms per frame, {observed.MeanLatencyMs / baseline.MeanLatencyMs:0.00}× the previous model's {baseline.MeanLatencyMs:0.0} ms on the same frames (at most {_bounds.MaxLatencyRatio:0.##}×)"));
        }

        var allowed = (baseline.UncertainRate * _bounds.MaxUncertainRatio) + _bounds.UncertainSlack;
        if (observed.UncertainRate > allowed)
        {
            return new HealthResult(false, baseline, observed, string.Create(
                CultureInfo.InvariantCulture,
                $"the new model escalates {observed.UncertainRate:P1} of frames, the previous one {baseline.UncertainRate:P1} of the same frames (at most {allowed:P1} allowed)"));
        }

        return new HealthResult(true, baseline, observed, null);
    }
}
