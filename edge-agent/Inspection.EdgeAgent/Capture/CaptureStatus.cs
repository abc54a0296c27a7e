namespace Inspection.EdgeAgent.Capture;

/// <summary>What a read from an <see cref="IFrameSource"/> produced.</summary>
public enum CaptureStatus
{
    /// <summary>A frame; <see cref="CapturedFrame.Image"/> is set.</summary>
    Frame = 0,

    /// <summary>One item could not be read (e.g. a corrupt image); the source moves on to the next.</summary>
    Error = 1,

    /// <summary>A file or folder ended and does not loop.</summary>
    EndOfStream = 2,
}
