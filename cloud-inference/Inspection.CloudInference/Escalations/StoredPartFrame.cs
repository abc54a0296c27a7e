namespace Inspection.CloudInference.Escalations;

/// <summary>One escalated frame of a part as the cloud judged it. Its JPEG is in <c>frames</c> under <see cref="StoredPart.FrameKeyOf"/>.</summary>
public sealed class StoredPartFrame
{
    // LiteDB reads an empty string back as null: kept empty here, so "judged" stays "no error".
    private string _verdict = string.Empty;
    private string _error = string.Empty;

    /// <summary>The frame's sequence on its device.</summary>
    public long Sequence { get; set; }

    public DateTimeOffset? CapturedAt { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public int JpegBytes { get; set; }

    /// <summary>Where the part lies in this frame, as the edge sent it; null when the whole frame is the part (trigger).</summary>
    public StoredPartBox? PartBox { get; set; }

    public List<StoredDetection> EdgeDetections { get; set; } = [];

    /// <summary>The cloud's detections on the part (centre in the part box grown by the margin): what the frame was decided by.</summary>
    public List<StoredDetection> CloudDetections { get; set; } = [];

    /// <summary>Cloud detections off the part (on the belt or on a neighbouring part), counted but not judged.</summary>
    public int IgnoredDetections { get; set; }

    /// <summary><c>pass</c>, <c>defect</c>, <c>uncertain</c>; empty when the frame was refused (see <see cref="Error"/>).</summary>
    public string Verdict { get => _verdict; set => _verdict = value ?? string.Empty; }

    /// <summary>Why the cloud could not judge this frame (e.g. its JPEG does not decode); empty when judged.</summary>
    public string Error { get => _error; set => _error = value ?? string.Empty; }
}
