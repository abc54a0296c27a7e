using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Capture;

/// <summary>
/// The inspection loop's frame clock. With <see cref="CaptureOptions.MaxFps"/> set it holds the pipeline to that rate,
/// so a video file plays at its real rate instead of as fast as the model runs, and keeps the schedule: a frame that
/// ran long is made up by the next ones (no frame rate lost) unless the loop is more than a whole frame behind (then
/// the schedule restarts: no burst to catch up). A live camera paces itself (MaxFps 0): then the clock measures the
/// interval between frames instead. Either way it tells the loop when the next frame is due, which is how much time a
/// frame may still spend (a model change runs a second model on frames that leave room for it).
/// One loop uses it; not thread-safe.
/// </summary>
public sealed class FramePacer
{
    private const double Smoothing = 0.2;
    private readonly TimeSpan _period;
    private readonly TimeProvider _timeProvider;
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private DateTimeOffset _lastStart = DateTimeOffset.MinValue;
    private TimeSpan _measured;
    private bool _lastFrameFull;

    public FramePacer(IOptions<CaptureOptions> options, TimeProvider timeProvider)
        : this(options.Value.MaxFps, timeProvider)
    {
    }

    public FramePacer(double maxFps, TimeProvider timeProvider)
    {
        _period = maxFps > 0 ? TimeSpan.FromSeconds(1 / maxFps) : TimeSpan.Zero;
        _timeProvider = timeProvider;
    }

    /// <summary>The time between frames: the configured one, or the one measured from a source that paces itself; null until known.</summary>
    public TimeSpan? Period => _period > TimeSpan.Zero ? _period : _measured > TimeSpan.Zero ? _measured : null;

    /// <summary>When the next frame is due; null before the first frame, or while a self-paced source's interval is unknown.</summary>
    public DateTimeOffset? NextDue =>
        _period > TimeSpan.Zero ? (_next == DateTimeOffset.MinValue ? null : _next)
        : _measured > TimeSpan.Zero && _lastStart != DateTimeOffset.MinValue ? _lastStart + _measured : null;

    /// <summary>How late the current frame started against its slot, the timer's wake-up included (zero for a self-paced source).</summary>
    public TimeSpan Lateness { get; private set; }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        if (_period == TimeSpan.Zero)
        {
            // Only the interval after a frame that did no extra work shows the source's own rate.
            if (_lastStart != DateTimeOffset.MinValue && !_lastFrameFull)
            {
                var interval = now - _lastStart;
                _measured = _measured == TimeSpan.Zero ? interval : (_measured * (1 - Smoothing)) + (interval * Smoothing);
            }

            _lastStart = now;
            _lastFrameFull = false;
            return;
        }

        if (_next > now)
        {
            await Task.Delay(_next - now, _timeProvider, cancellationToken).ConfigureAwait(false);

            // Only the timer's wake-up: the frame was on time.
            Lateness = _timeProvider.GetUtcNow() - _next;
            _next += _period;
        }
        else if (_next != DateTimeOffset.MinValue && now - _next < _period)
        {
            Lateness = now - _next;
            _next += _period;
        }
        else
        {
            Lateness = _next == DateTimeOffset.MinValue ? TimeSpan.Zero : now - _next;
            _next = now + _period;
        }
    }

    /// <summary>
    /// Tells the clock the frame did more than inspect (a second model ran on it), so the time to the next frame says
    /// nothing about the source's rate.
    /// </summary>
    public void FrameDidExtraWork() => _lastFrameFull = true;
}
