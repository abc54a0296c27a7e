using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Capture;

/// <summary>Opens the frame source <see cref="CaptureOptions.Source"/> names.</summary>
public sealed class FrameSourceFactory
{
    private readonly CaptureOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;

    public FrameSourceFactory(IOptions<CaptureOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
    }

    public IFrameSource Create()
    {
        if (!CaptureSource.TryParse(_options.Source, out var source, out var error))
        {
            throw new InvalidOperationException($"Capture:Source '{_options.Source}' is not usable: {error}");
        }

        var delay = TimeSpan.FromSeconds(_options.ReconnectDelaySeconds);
        return source.Kind == CaptureSourceKind.Folder
            ? new ImageFolderFrameSource(source.Target, _options.Loop, delay, _timeProvider, _loggerFactory.CreateLogger<ImageFolderFrameSource>())
            : new VideoCaptureFrameSource(source, _options.Loop, delay, _timeProvider, _loggerFactory.CreateLogger<VideoCaptureFrameSource>());
    }
}
