namespace Inspection.EdgeAgent.Capture;

/// <summary>
/// Where frames come from: a camera, a stream, a video file or a folder of images. The one seam the
/// pipeline has towards hardware, so tests and demos run on files. Not thread-safe: one reader.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>What the source reads, for logs (e.g. <c>file:line.mp4</c>).</summary>
    string Description { get; }

    /// <summary>
    /// Reads the next frame. A live source (camera, RTSP, GStreamer) that drops waits and reconnects
    /// until it delivers a frame or <paramref name="cancellationToken"/> fires; a file or folder returns
    /// <see cref="CaptureStatus.EndOfStream"/> when it ends (unless it loops). The caller owns and
    /// disposes the returned frame.
    /// </summary>
    ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken);
}
