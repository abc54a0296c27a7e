using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Ota;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// A model change on the device: a loaded candidate, then the <see cref="ModelTransition"/> the inspection loop drives
/// through <see cref="ActiveModel"/> (begin, swap, commit or rollback, each between two frames).
/// </summary>
internal sealed class ActiveModelChange : IModelChange
{
    private static readonly ShadowResult NoShadow = new(0, 0, 0);
    private readonly ActiveModel _models;
    private readonly LoadedModel _candidate;
    private ModelTransition? _transition;
    private bool _released;

    public ActiveModelChange(ActiveModel models, LoadedModel candidate)
    {
        _models = models;
        _candidate = candidate;
    }

    public string ExecutionProvider => _candidate.Detector.ExecutionProvider;

    public ShadowResult ShadowSoFar => _transition?.ShadowSoFar ?? NoShadow;

    public int WatchedFrames => _transition?.WatchedFrames ?? 0;

    public SwapTiming? SwapTiming =>
        _transition?.FirstFrameAfterSwap is { IsCompletedSuccessfully: true } first ? first.Result : null;

    public Task<string?> CheckGoldenSetAsync(GoldenSet golden, string folder, CancellationToken cancellationToken) =>
        Task.FromResult(GoldenSetCheck.Run(_candidate.Detector, golden, file => File.ReadAllBytes(Path.Combine(folder, file.Path))));

    public Task<ShadowResult> ShadowAsync(int frames, HealthBounds health, CancellationToken cancellationToken)
    {
        var transition = new ModelTransition(_candidate, frames, health);
        _models.Begin(transition);
        _transition = transition;
        return transition.Shadowed;
    }

    public Task SwapAsync(CancellationToken cancellationToken)
    {
        var transition = Running();
        _models.Swap(transition);
        return transition.SwapApplied.WaitAsync(cancellationToken);
    }

    public Task<HealthResult> WatchAsync(CancellationToken cancellationToken) => Running().Watched;

    public void Commit() => _models.Commit(Running());

    public void Rollback()
    {
        if (_transition is null)
        {
            Dispose();
        }
        else if (_transition.Phase != TransitionPhase.Ended)
        {
            // The active model releases the candidate.
            _models.Rollback(_transition);
        }
    }

    /// <summary>Releases the candidate if the change never began; once it has, the active model owns it.</summary>
    public void Dispose()
    {
        if (_transition is null && !_released)
        {
            _released = true;
            _candidate.Dispose();
        }
    }

    private ModelTransition Running() => _transition ?? throw new InvalidOperationException("The model change has not begun: run the shadow first.");
}
