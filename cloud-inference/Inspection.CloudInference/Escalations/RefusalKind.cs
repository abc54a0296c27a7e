namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Why the cloud refused a frame, as a stable kind: refusals of one key are recorded once per kind, whatever varies in
/// the message (a size, a byte count).
/// </summary>
public enum RefusalKind
{
    /// <summary>Refused before refusals were classified (a record carried over from an older database).</summary>
    Unclassified,

    /// <summary>The request has no key.</summary>
    NoKey,

    /// <summary>The key's device id is not a valid device id.</summary>
    InvalidDeviceId,

    /// <summary>The key's sequence is 0 or above the largest the store keeps.</summary>
    InvalidSequence,

    /// <summary>A part whose id is not the key's sequence, or whose frame sequence is out of range.</summary>
    InvalidPart,

    /// <summary>The frame has no JPEG bytes.</summary>
    NoJpeg,

    /// <summary>The JPEG's header states more pixels than <c>Cloud:Escalations:MaxPixels</c>.</summary>
    TooManyPixels,

    /// <summary>The JPEG could not be decoded (or its header could not be read).</summary>
    Undecodable,

    /// <summary>None of a part's frames could be judged.</summary>
    NoFrameJudged,
}
