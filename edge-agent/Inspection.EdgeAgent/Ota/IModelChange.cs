using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Inspection;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// One model change, from a loaded candidate (<see cref="IModelSwitch.LoadAsync"/>) to commit or rollback. The update
/// worker drives it in order: golden set, shadow, swap, health window, then <see cref="Commit"/> or
/// <see cref="Rollback"/>. Disposing it releases a candidate whose shadow never began; a change that began ends only
/// by commit or rollback.
/// </summary>
public interface IModelChange : IDisposable
{
    /// <summary>Where the candidate runs (TensorRT, CUDA or CPU), named in the validation step's report.</summary>
    string ExecutionProvider { get; }

    /// <summary>The shadow so far, for progress reports (read while it runs, so approximate).</summary>
    ShadowResult ShadowSoFar { get; }

    /// <summary>Frames watched so far in the health window, for progress reports.</summary>
    int WatchedFrames { get; }

    /// <summary>How the line went over the swap, once the new model has decided its first frame; null before, or when not measured.</summary>
    SwapTiming? SwapTiming { get; }

    /// <summary>
    /// Runs the candidate on the package's golden frames (verified, in <paramref name="folder"/>); null when it detects
    /// what the publisher's run did, else the first difference in words.
    /// </summary>
    Task<string?> CheckGoldenSetAsync(GoldenSet golden, string folder, CancellationToken cancellationToken);

    /// <summary>
    /// Begins the change: the candidate sees live frames beside the deciding model until it has seen
    /// <paramref name="frames"/>, and the task completes with what they showed. <paramref name="health"/> bounds the
    /// health window that follows the swap.
    /// </summary>
    Task<ShadowResult> ShadowAsync(int frames, HealthBounds health, CancellationToken cancellationToken);

    /// <summary>Lets the candidate decide from a frame between two others; completes when it does. The previous model stays loaded.</summary>
    Task SwapAsync(CancellationToken cancellationToken);

    /// <summary>The health window after the swap: completes when it is full, or at once when the new model fails beyond the bounds.</summary>
    Task<HealthResult> WatchAsync(CancellationToken cancellationToken);

    /// <summary>Ends the change keeping the new model; the previous one is released.</summary>
    void Commit();

    /// <summary>
    /// Ends the change without keeping the candidate: before the swap it is dropped, after it the previous model
    /// decides again. Does nothing once the change has ended.
    /// </summary>
    void Rollback();
}
