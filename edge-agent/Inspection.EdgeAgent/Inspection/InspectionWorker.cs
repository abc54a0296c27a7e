using System.Globalization;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// The inspection loop: capture, inspect, record, at frame rate. It only ever writes to the local
/// database, so a cloud or broker outage never slows it. Under reduced it inspects every Nth frame, while paused none
/// (frames are still read, so the camera keeps streaming); it feeds the systemd watchdog on every turn that ends (see
/// <see cref="SystemdWatchdog"/>) and tells systemd the mode it runs in.
/// </summary>
public sealed partial class InspectionWorker : BackgroundService
{
    private readonly FrameSourceFactory _sources;
    private readonly FrameInspector _inspector;
    private readonly ResultStore _results;
    private readonly EdgeStats _stats;
    private readonly SystemdWatchdog _watchdog;
    private readonly ActiveModel _models;
    private readonly FramePacer _pacer;
    private readonly InspectionDegradation _degradation;
    private readonly DeviceState _state;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<InspectionWorker> _logger;

    // The status line's frame rate is measured over this long at most (less when the watchdog is fed more often).
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);

    // Set when the device state changed: the systemd status line is rebuilt then, not on every frame.
    private int _statusStale = 1;

    // The frame rate the status line shows (null until measured once), and where its current window began.
    private double? _framesPerSecond;
    private long _rateSince;
    private long _rateFrames;

    public InspectionWorker(
        FrameSourceFactory sources,
        FrameInspector inspector,
        ResultStore results,
        EdgeStats stats,
        SystemdWatchdog watchdog,
        ActiveModel models,
        FramePacer pacer,
        InspectionDegradation degradation,
        DeviceState state,
        TimeProvider timeProvider,
        ILogger<InspectionWorker> logger)
    {
        _sources = sources;
        _inspector = inspector;
        _results = results;
        _stats = stats;
        _watchdog = watchdog;
        _models = models;
        _pacer = pacer;
        _degradation = degradation;
        _state = state;
        _timeProvider = timeProvider;
        _logger = logger;
        _state.Changed += MarkStatusStale;
    }

    public override void Dispose()
    {
        _state.Changed -= MarkStatusStale;
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Capture and inference block; leave the host's start path at once.
        await Task.Yield();
        using var source = _sources.Create();
        Log.Started(_logger, source.Description, _models.Current.Detector.ExecutionProvider);
        if (_watchdog.IsEnabled)
        {
            Log.WatchdogOn(_logger, _watchdog.FeedInterval!.Value.TotalSeconds);
        }

        var rateWindow = _watchdog.FeedInterval is { } feed && feed < RateWindow ? feed : RateWindow;
        _rateSince = _timeProvider.GetTimestamp();
        _rateFrames = _stats.Frames;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _pacer.WaitAsync(stoppingToken).ConfigureAwait(false);
                using var captured = await source.ReadAsync(stoppingToken).ConfigureAwait(false);
                switch (captured.Status)
                {
                    case CaptureStatus.EndOfStream:
                        // No frame follows: the parts in view are decided now (an uncertain one is escalated), not
                        // left open until the agent's next start.
                        _inspector.FrameGap();
                        Log.SourceEnded(_logger, source.Description, _stats.Frames);
                        _watchdog.SetStatus($"{source.Description} ended after {_stats.Frames} frames; not inspecting (Capture:Loop is off)");
                        return;
                    case CaptureStatus.Error:
                        RecordCaptureError(captured.Origin, captured.Error ?? "unreadable");

                        // A reconnect: the next frame does not follow on from the last one, so parts in view close.
                        _inspector.FrameGap();
                        _degradation.CaptureFailed(captured.Error ?? "unreadable");

                        // The source came back with an answer (a reconnect attempt): the loop is alive.
                        _watchdog.Feed();
                        break;
                    default:
                        _stats.FrameRead();
                        _degradation.FrameRead();
                        var action = _degradation.NextFrame();
                        if (action != FrameAction.Inspect)
                        {
                            // Paused: the parts in view move on unseen, so they close. Reduced mode's every-Nth stride
                            // is regular and the tracker follows it, so a skipped frame there is no gap.
                            if (action == FrameAction.Discard)
                            {
                                _inspector.FrameGap();
                            }

                            // Reduced or paused: the frame was read (the camera keeps streaming) and is counted, not inspected.
                            _stats.FrameSkipped();
                            _watchdog.Feed();
                        }
                        else if (_inspector.Inspect(captured.Image!, _timeProvider.GetUtcNow()) is { } outcome)
                        {
                            _watchdog.Feed();

                            // The first frame shows in the status at once: an agent update measures the line's stop by it.
                            if (_stats.Frames == 1)
                            {
                                MarkStatusStale();
                            }

                            // The status line shows the part counts: rebuilt when a part is decided, not every frame.
                            if (outcome.ClosedParts is { Count: > 0 })
                            {
                                MarkStatusStale();
                            }
                        }

                        break;
                }

                MeasureRate(rateWindow);
                if (Interlocked.Exchange(ref _statusStale, 0) == 1)
                {
                    _watchdog.SetStatus(DescribeMode());
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The host stops on this exception; a non-zero exit code makes systemd record a failure.
            Environment.ExitCode = 1;
            throw;
        }

        // Reached only on a stop (systemd has had STOPPING=1 from the host), however the loop noticed it: the last
        // status says where the loop stopped.
        _watchdog.SetStatus($"stopping after {_stats.Frames} frames inspected");
    }

    private void MarkStatusStale() => Interlocked.Exchange(ref _statusStale, 1);

    // The rate changes every window, so the status line is rebuilt once per window, not per frame.
    private void MeasureRate(TimeSpan window)
    {
        var now = _timeProvider.GetTimestamp();
        var elapsed = _timeProvider.GetElapsedTime(_rateSince, now);
        if (elapsed < window)
        {
            return;
        }

        var frames = _stats.Frames;
        _framesPerSecond = (frames - _rateFrames) / elapsed.TotalSeconds;
        _rateSince = now;
        _rateFrames = frames;
        MarkStatusStale();
    }

    private string DescribeMode()
    {
        var mode = _state.EffectiveMode.ToWire();
        var status = _state.AutomaticReason is { } reason ? $"{mode}: {reason}" : $"{mode} (commanded {_state.CommandedMode.ToWire()})";
        if (_framesPerSecond is { } rate)
        {
            status += string.Create(CultureInfo.InvariantCulture, $"; inspecting {rate:0.#} frames/s on {_models.Current.Detector.ExecutionProvider}");
        }

        if (_stats.PartSource is { } source)
        {
            status += $"; parts ({source}): {_stats.PartsPassed} passed, {_stats.PartsRejected} rejected, {_stats.PartsUncertain} uncertain";
        }

        // The count is what an agent update's health window watches (through systemd's StatusText): it must keep growing.
        return $"{status}; {AgentUpdate.InspectedFrames.Describe(_stats.Frames)}";
    }

    private void RecordCaptureError(string origin, string error)
    {
        _stats.CaptureError();
        Log.CaptureError(_logger, origin, error);
        try
        {
            _results.RecordCaptureError(origin, error, _timeProvider.GetUtcNow());
        }
        catch (Exception ex) when (ex is LiteException or IOException)
        {
            _stats.StorageError();
            Log.CaptureErrorNotStored(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Inspecting frames from {Source} on {ExecutionProvider}")]
        public static partial void Started(ILogger logger, string source, string executionProvider);

        [LoggerMessage(EventId = 1404, Level = LogLevel.Information, Message = "Feeding the systemd watchdog every {Seconds} s while the inspection loop turns")]
        public static partial void WatchdogOn(ILogger logger, double seconds);

        [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Skipped {Origin}: {Error}")]
        public static partial void CaptureError(ILogger logger, string origin, string error);

        [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "A capture error could not be recorded in the database")]
        public static partial void CaptureErrorNotStored(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "{Source} ended after {Frames} frames; inspection stopped (set Capture:Loop to play it again)")]
        public static partial void SourceEnded(ILogger logger, string source, long frames);
    }
}
