using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.EdgeAgent.Capture;

/// <summary>
/// Frames from OpenCV's <see cref="VideoCapture"/>: a V4L2 camera, a GStreamer pipeline, an RTSP stream
/// (FFmpeg) or a video file. Live sources that drop are reopened after a delay, forever; the pipeline
/// simply sees no frames meanwhile, so the systemd watchdog is not fed and a camera that never comes
/// back gets the service restarted.
/// </summary>
public sealed partial class VideoCaptureFrameSource : IFrameSource
{
    private readonly CaptureSource _source;
    private readonly bool _loop;
    private readonly TimeSpan _reconnectDelay;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private VideoCapture? _capture;
    private bool _deliveredSinceOpen;
    private bool _announceOpen = true;

    public VideoCaptureFrameSource(CaptureSource source, bool loop, TimeSpan reconnectDelay, TimeProvider timeProvider, ILogger logger)
    {
        if (source.Kind == CaptureSourceKind.Folder)
        {
            throw new ArgumentException("An image folder is read by ImageFolderFrameSource, not by VideoCapture.", nameof(source));
        }

        _source = source;
        _loop = loop;
        _reconnectDelay = reconnectDelay;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Description => _source.Kind switch
    {
        CaptureSourceKind.Camera => $"camera:{_source.CameraIndex}",
        CaptureSourceKind.File => $"file:{_source.Target}",
        CaptureSourceKind.GStreamer => "gst:" + _source.Target,
        _ => _source.Target,
    };

    public async ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_capture is null)
            {
                _capture = Open();
                _deliveredSinceOpen = false;
                if (_capture is null)
                {
                    if (!_source.IsLive)
                    {
                        throw new InvalidOperationException($"The video file '{_source.Target}' cannot be opened: it is not a video OpenCV can decode.");
                    }

                    Log.OpenFailed(_logger, Description, _reconnectDelay.TotalSeconds);
                    await Task.Delay(_reconnectDelay, _timeProvider, cancellationToken).ConfigureAwait(false);

                    // Each attempt goes back to the loop, which counts it (cause camera-lost) and stays alive meanwhile.
                    return CapturedFrame.Failed(Description, "cannot open the stream; reconnecting");
                }

                if (_announceOpen)
                {
                    Log.Opened(_logger, Description);
                    _announceOpen = false;
                }
            }

            var frame = new Mat();
            if (_capture.Read(frame) && !frame.Empty())
            {
                _deliveredSinceOpen = true;
                return CapturedFrame.Of(frame, Description);
            }

            frame.Dispose();
            var delivered = _deliveredSinceOpen;
            CloseCapture();
            if (!_source.IsLive)
            {
                if (!delivered)
                {
                    throw new InvalidOperationException($"The video file '{_source.Target}' contains no readable frames.");
                }

                if (!_loop)
                {
                    return CapturedFrame.End(Description);
                }

                // Reopening rather than seeking to frame 0: seeking is unreliable for some containers.
                Log.Looping(_logger, Description);
                continue;
            }

            Log.Dropped(_logger, Description, _reconnectDelay.TotalSeconds);
            _announceOpen = true;
            await Task.Delay(_reconnectDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
            return CapturedFrame.Failed(Description, "the stream stopped delivering frames; reconnecting");
        }
    }

    public void Dispose() => CloseCapture();

    private VideoCapture? Open()
    {
        var capture = _source.Kind switch
        {
            CaptureSourceKind.Camera => new VideoCapture(_source.CameraIndex, VideoCaptureAPIs.V4L2),
            CaptureSourceKind.GStreamer => new VideoCapture(_source.Target, VideoCaptureAPIs.GSTREAMER),
            CaptureSourceKind.Rtsp => new VideoCapture(_source.Target, VideoCaptureAPIs.FFMPEG),
            _ => new VideoCapture(_source.Target),
        };

        if (capture.IsOpened())
        {
            return capture;
        }

        capture.Dispose();
        return null;
    }

    private void CloseCapture()
    {
        _capture?.Dispose();
        _capture = null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Capturing from {Source}")]
        public static partial void Opened(ILogger logger, string source);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Cannot open {Source}; retrying in {DelaySeconds} s")]
        public static partial void OpenFailed(ILogger logger, string source, double delaySeconds);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "{Source} stopped delivering frames; reconnecting in {DelaySeconds} s")]
        public static partial void Dropped(ILogger logger, string source, double delaySeconds);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "{Source} ended; starting again from the beginning")]
        public static partial void Looping(ILogger logger, string source);
    }
}
