using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// One frame's hold on the models (<see cref="ActiveModel.BeginFrame"/>): the model that decides and, during a model
/// change, the one that runs beside it when the frame leaves time for it (the candidate before the swap, the
/// previous model after it). No switch happens until it is disposed. The loop reports the deciding model's result
/// first (<see cref="Decided"/>), records the frame, and only then asks for the second model, so the line's result
/// never waits for it.
/// </summary>
public readonly ref struct FrameScope
{
    private readonly ActiveModel _owner;
    private readonly Lock.Scope _lock;

    internal FrameScope(ActiveModel owner, Lock.Scope @lock, LoadedModel current)
    {
        _owner = owner;
        _lock = @lock;
        Current = current;
    }

    /// <summary>The model that decides this frame.</summary>
    public LoadedModel Current { get; }

    /// <summary>The deciding model's result (a null decision: it failed on the frame; sequence -1: the frame got none).</summary>
    public void Decided(long sequence, Decision? decision, TimeSpan latency) => _owner.Decided(sequence, decision, latency);

    /// <summary>The model to run beside the deciding one now, or null (no change running, or no time left in this frame).</summary>
    public LoadedModel? SecondModel() => _owner.SecondModel();

    /// <summary>What the second model decided (null: it failed on the frame).</summary>
    public void SecondModelDecided(Decision? decision, TimeSpan latency) => _owner.SecondModelDecided(decision, latency);

    public void Dispose()
    {
        try
        {
            _owner.EndFrame();
        }
        finally
        {
            _lock.Dispose();
        }
    }
}
