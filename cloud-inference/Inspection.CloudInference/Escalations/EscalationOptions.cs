using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Escalations;

/// <summary>What the escalation endpoint accepts from a device. Bound from <c>Cloud:Escalations</c>.</summary>
public sealed class EscalationOptions
{
    public const string SectionName = "Cloud:Escalations";

    /// <summary>The default of <see cref="MaxMessageBytes"/>: 8 MiB, the limit the edge sends by as well.</summary>
    public const int DefaultMaxMessageBytes = Inspection.Contracts.Escalations.EscalationLimits.MaxMessageBytes;

    /// <summary>The default of <see cref="MaxPixels"/>: 4096 × 4096.</summary>
    public const long DefaultMaxPixels = 4096L * 4096;

    /// <summary>
    /// Largest escalation message (one frame, or one part with all its frames) the gRPC endpoint reads; a larger one
    /// ends the call with <c>RESOURCE_EXHAUSTED</c> naming this limit. Key <c>Cloud:Escalations:MaxMessageBytes</c>,
    /// default 8388608 (8 MiB): a 4K JPEG with room to spare, and safely below LiteDB's 16 MB document limit, so every
    /// frame that is accepted can also be stored.
    /// </summary>
    [Range(64 * 1024, 15 * 1024 * 1024, ErrorMessage = "Cloud:Escalations:MaxMessageBytes must be between 65536 (64 KiB) and 15728640 (15 MiB, below LiteDB's 16 MB document limit).")]
    public int MaxMessageBytes { get; set; } = DefaultMaxMessageBytes;

    /// <summary>
    /// Largest frame, in pixels (width × height as the JPEG header states them), the cloud decodes; a larger one is
    /// refused from its header, before any pixel memory is taken (a 12000 × 12000 JPEG is 2 MB on the wire and
    /// 432 MB decoded). Key <c>Cloud:Escalations:MaxPixels</c>, default 16777216 (4096 × 4096).
    /// </summary>
    [Range(1L, 268_435_456L, ErrorMessage = "Cloud:Escalations:MaxPixels must be between 1 and 268435456 (16384 x 16384).")]
    public long MaxPixels { get; set; } = DefaultMaxPixels;
}
