using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// The inspection loop: capture, inspect, record, at frame rate. It only ever writes to the local
/// database, so a cloud or broker outage never slows it; it feeds the systemd watchdog only while frames
/// are inspected.
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
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<InspectionWorker> _logger;

    public InspectionWorker(
        FrameSourceFactory sources,
        FrameInspector inspector,
        ResultStore results,
        EdgeStats stats,
        SystemdWatchdog watchdog,
        ActiveModel models,
        FramePacer pacer,
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
        _timeProvider = timeProvider;
        _logger = logger;
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
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _pacer.WaitAsync(stoppingToken).ConfigureAwait(false);
                using var captured = await source.ReadAsync(stoppingToken).ConfigureAwait(false);
                switch (captured.Status)
                {
                    case CaptureStatus.EndOfStream:
                        Log.SourceEnded(_logger, source.Description, _stats.Frames);
                        return;
                    case CaptureStatus.Error:
                        RecordCaptureError(captured.Origin, captured.Error ?? "unreadable");
                        break;
                    default:
                        if (_inspector.Inspect(captured.Image!, _timeProvider.GetUtcNow()) is not null)
                        {
                            _watchdog.Feed();
                        }

                        break;
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

        [LoggerMessage(EventId = 1404, Level = LogLevel.Information, Message = "Feeding the systemd watchdog every {Seconds} s while frames are inspected")]
        public static partial void WatchdogOn(ILogger logger, double seconds);

        [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Skipped {Origin}: {Error}")]
        public static partial void CaptureError(ILogger logger, string origin, string error);

        [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "A capture error could not be recorded in the database")]
        public static partial void CaptureErrorNotStored(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "{Source} ended after {Frames} frames; inspection stopped (set Capture:Loop to play it again)")]
        public static partial void SourceEnded(ILogger logger, string source, long frames);
    }
}
