using OpenCvSharp;

namespace Inspection.EdgeAgent.Capture;

/// <summary>
/// One read from a frame source. Owns <see cref="Image"/>: dispose it (or the whole value) as soon as
/// the frame is handled, so native frame buffers never wait for the garbage collector.
/// </summary>
/// <param name="Status">Frame, error or end of stream.</param>
/// <param name="Image">The BGR frame when <paramref name="Status"/> is <see cref="CaptureStatus.Frame"/>.</param>
/// <param name="Origin">Where the frame or error came from: the file name for a folder, the source otherwise.</param>
/// <param name="Error">Why the item could not be read, for <see cref="CaptureStatus.Error"/>.</param>
public readonly record struct CapturedFrame(CaptureStatus Status, Mat? Image, string Origin, string? Error) : IDisposable
{
    public static CapturedFrame Of(Mat image, string origin) => new(CaptureStatus.Frame, image, origin, null);

    public static CapturedFrame Failed(string origin, string error) => new(CaptureStatus.Error, null, origin, error);

    public static CapturedFrame End(string origin) => new(CaptureStatus.EndOfStream, null, origin, null);

    public void Dispose() => Image?.Dispose();
}
