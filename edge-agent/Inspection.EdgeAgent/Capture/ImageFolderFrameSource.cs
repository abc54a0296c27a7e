using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.EdgeAgent.Capture;

/// <summary>
/// Frames from the *.jpg and *.png files of a folder, in ordinal name order. A file that does not decode
/// is returned as a <see cref="CaptureStatus.Error"/> and skipped; the folder is listed again on every
/// pass, so files added while looping are picked up.
/// </summary>
public sealed partial class ImageFolderFrameSource : IFrameSource
{
    private readonly string _folder;
    private readonly bool _loop;
    private readonly TimeSpan _idleDelay;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private string[]? _files;
    private int _next;
    private bool _deliveredThisPass;

    public ImageFolderFrameSource(string folder, bool loop, TimeSpan idleDelay, TimeProvider timeProvider, ILogger logger)
    {
        _folder = folder;
        _loop = loop;
        _idleDelay = idleDelay;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Description => "folder:" + _folder;

    public async ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_files is null || _next >= _files.Length)
            {
                if (_files is not null)
                {
                    if (!_loop)
                    {
                        return CapturedFrame.End(Description);
                    }

                    // A looping folder whose files all fail would otherwise spin a core.
                    if (!_deliveredThisPass)
                    {
                        await Task.Delay(_idleDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    }
                }

                _files = ListImages();
                _next = 0;
                _deliveredThisPass = false;
                if (_files.Length == 0)
                {
                    Log.Empty(_logger, _folder);
                    if (!_loop)
                    {
                        return CapturedFrame.End(Description);
                    }

                    continue;
                }
            }

            var path = _files[_next++];
            var name = Path.GetFileName(path);
            Mat image;
            try
            {
                image = Cv2.ImRead(path, ImreadModes.Color);
            }
            catch (OpenCVException ex)
            {
                return CapturedFrame.Failed(name, $"cannot decode the image: {ex.Message}");
            }

            if (image.Empty())
            {
                image.Dispose();
                return CapturedFrame.Failed(name, "not a readable JPEG or PNG image (corrupt, truncated or removed)");
            }

            _deliveredThisPass = true;
            return CapturedFrame.Of(image, name);
        }
    }

    public void Dispose()
    {
        // Holds no native resources between reads: every image is handed to the caller.
    }

    private string[] ListImages()
    {
        if (!Directory.Exists(_folder))
        {
            return [];
        }

        var files = Directory.EnumerateFiles(_folder)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "The image folder {Folder} has no *.jpg or *.png files")]
        public static partial void Empty(ILogger logger, string folder);
    }
}
