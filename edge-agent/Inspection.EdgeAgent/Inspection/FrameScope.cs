using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// One frame's hold on the models (<see cref="ActiveModel.BeginFrame"/>): the model that decides, the one that runs
/// beside it during a change (the candidate before the swap, the previous model after it), and the change. No switch
/// happens until it is disposed.
/// </summary>
public ref struct FrameScope
{
    private readonly ActiveModel _owner;
    private Lock.Scope _lock;
    private bool _observed;

    internal FrameScope(ActiveModel owner, Lock.Scope @lock, LoadedModel current, LoadedModel? shadow, ModelTransition? transition)
    {
        _owner = owner;
        _lock = @lock;
        Current = current;
        Shadow = shadow;
        Transition = transition;
    }

    public LoadedModel Current { get; }

    public LoadedModel? Shadow { get; }

    public ModelTransition? Transition { get; }

    /// <summary>Reports what the models did on the frame (a null decision: the model failed on it). Once per frame.</summary>
    public void Observe(long sequence, Decision? decision, TimeSpan latency, Decision? shadowDecision = null, TimeSpan shadowLatency = default)
    {
        if (_observed)
        {
            return;
        }

        _observed = true;
        _owner.Observe(Transition, Shadow is not null, sequence, decision, latency, shadowDecision, shadowLatency);
    }

    public void Dispose() => _lock.Dispose();
}
