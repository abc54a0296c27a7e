namespace Inspection.EdgeAgent.Capture;

/// <summary>
/// Holds the pipeline to <see cref="CaptureOptions.MaxFps"/>, so a video file plays at its real rate
/// instead of as fast as the model runs. Live cameras pace themselves; for them MaxFps stays 0.
/// </summary>
public sealed class FramePacer
{
    private readonly TimeSpan _period;
    private readonly TimeProvider _timeProvider;
    private DateTimeOffset _next;

    public FramePacer(double maxFps, TimeProvider timeProvider)
    {
        _period = maxFps > 0 ? TimeSpan.FromSeconds(1 / maxFps) : TimeSpan.Zero;
        _timeProvider = timeProvider;
        _next = DateTimeOffset.MinValue;
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_period == TimeSpan.Zero)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        if (_next > now)
        {
            await Task.Delay(_next - now, _timeProvider, cancellationToken).ConfigureAwait(false);
            now = _next;
        }

        // Slots are not carried over when the pipeline falls behind: no burst to catch up.
        _next = now + _period;
    }
}
