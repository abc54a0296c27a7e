namespace Inspection.EdgeAgent.Capture;

/// <summary>The kinds of frame source <see cref="CaptureOptions.Source"/> can name.</summary>
public enum CaptureSourceKind
{
    /// <summary><c>camera:N</c>: a V4L2 camera by index.</summary>
    Camera,

    /// <summary><c>file:path</c>: a video file.</summary>
    File,

    /// <summary><c>folder:path</c>: a folder of *.jpg / *.png images, in name order.</summary>
    Folder,

    /// <summary><c>gst:pipeline</c>: a GStreamer pipeline ending in an appsink.</summary>
    GStreamer,

    /// <summary><c>rtsp://…</c>: a network camera stream, read through FFmpeg.</summary>
    Rtsp,
}
