using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Inspection.EdgeAgent.Capture;

/// <summary>A parsed <see cref="CaptureOptions.Source"/>.</summary>
/// <param name="Kind">Which kind of source.</param>
/// <param name="Target">The path, pipeline or URL after the prefix (the whole URL for RTSP).</param>
/// <param name="CameraIndex">The camera index for <see cref="CaptureSourceKind.Camera"/>.</param>
public sealed record CaptureSource(CaptureSourceKind Kind, string Target, int CameraIndex = 0)
{
    /// <summary>True for sources that can drop and come back (cameras and streams); they are reopened, never ended.</summary>
    public bool IsLive => Kind is CaptureSourceKind.Camera or CaptureSourceKind.GStreamer or CaptureSourceKind.Rtsp;

    public static bool TryParse(string? value, [NotNullWhen(true)] out CaptureSource? source, out string error)
    {
        source = null;
        error = string.Empty;
        var text = value?.Trim() ?? string.Empty;
        if (text.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
        {
            source = new CaptureSource(CaptureSourceKind.Rtsp, text);
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = "start it with camera:, file:, folder:, gst: or rtsp://";
            return false;
        }

        var prefix = text[..colon].ToLowerInvariant();
        var target = text[(colon + 1)..].Trim();
        if (target.Length == 0)
        {
            error = $"nothing follows '{prefix}:'";
            return false;
        }

        switch (prefix)
        {
            case "camera":
                if (!int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    error = $"camera index '{target}' is not a number (use e.g. camera:0 for /dev/video0)";
                    return false;
                }

                source = new CaptureSource(CaptureSourceKind.Camera, target, index);
                return true;
            case "file":
                source = new CaptureSource(CaptureSourceKind.File, target);
                return true;
            case "folder":
                source = new CaptureSource(CaptureSourceKind.Folder, target);
                return true;
            case "gst":
                source = new CaptureSource(CaptureSourceKind.GStreamer, target);
                return true;
            default:
                error = $"unknown source kind '{prefix}:' (use camera:, file:, folder:, gst: or rtsp://)";
                return false;
        }
    }
}
