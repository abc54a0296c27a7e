namespace Inspection.EdgeAgent.Storage;

/// <summary>One more escalated frame of a part in the outbox, besides the entry's own (most informative) frame.</summary>
public sealed class PartFrameEntry
{
    /// <summary>The frame's sequence.</summary>
    public long Sequence { get; set; }

    public DateTime CapturedAt { get; set; }

    /// <summary>The original frame as JPEG.</summary>
    public byte[] Jpeg { get; set; } = [];

    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>The edge's detections on the part in this frame.</summary>
    public List<DetectionRecord> Detections { get; set; } = [];

    /// <summary>Where the part lies in this frame (frame pixels); null for a trigger part (the whole frame).</summary>
    public PartBoxRecord? Box { get; set; }

    /// <summary>The deciding score of the frame for the part (best confidence of its detections on the part).</summary>
    public float Score { get; set; }
}
