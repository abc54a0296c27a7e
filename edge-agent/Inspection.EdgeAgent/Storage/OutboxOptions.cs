using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Storage;

/// <summary>How uncertain frames are kept for the cloud. Bound from the <c>Outbox</c> section.</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>JPEG quality (1-100) of escalated frames. Default 90.</summary>
    [Range(1, 100, ErrorMessage = "Outbox:JpegQuality must be between 1 and 100 (90 keeps defects visible at a fraction of the size).")]
    public int JpegQuality { get; set; } = 90;

    /// <summary>
    /// When the outbox cannot be written (disk full, database error), at most this many uncertain frames
    /// wait in memory to be written later; beyond that the oldest is given up, logged and counted. Default 64.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "Outbox:RetryQueueCapacity must be between 1 and 10000 frames.")]
    public int RetryQueueCapacity { get; set; } = 64;
}
