namespace Inspection.EdgeAgent.Degradation;

/// <summary>What the inspection loop does with a frame it read.</summary>
public enum FrameAction
{
    /// <summary>Inspect it.</summary>
    Inspect,

    /// <summary>Reduced mode: not this one (every Nth frame is inspected); counted as skipped.</summary>
    Skip,

    /// <summary>Paused: read so the camera keeps streaming, then dropped; counted as skipped.</summary>
    Discard,
}
