using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Storage;

/// <summary>How uncertain frames are kept for the cloud. Bound from the <c>Outbox</c> section.</summary>
public sealed class OutboxOptions : IValidatableObject
{
    public const string SectionName = "Outbox";

    /// <summary>Value of <see cref="Eviction"/>: the entries the edge was least unsure about go first, the oldest among equals.</summary>
    public const string LeastUncertainFirst = "least-uncertain-first";

    /// <summary>Value of <see cref="Eviction"/>: the oldest entries go first.</summary>
    public const string OldestFirst = "oldest-first";

    /// <summary>JPEG quality (1-100) of escalated frames. Default 90.</summary>
    [Range(1, 100, ErrorMessage = "Outbox:JpegQuality must be between 1 and 100 (90 keeps defects visible at a fraction of the size).")]
    public int JpegQuality { get; set; } = 90;

    /// <summary>
    /// When the outbox cannot be written (disk full, database error), at most this many uncertain frames
    /// wait in memory to be written later; beyond that the oldest is given up, logged and counted. Default 64.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "Outbox:RetryQueueCapacity must be between 1 and 10000 frames.")]
    public int RetryQueueCapacity { get; set; } = 64;

    /// <summary>
    /// <c>Outbox:MaxBytes</c>: the most the outbox's entries may hold, in bytes (the stored size of each entry: its
    /// JPEG plus its metadata). An entry that would exceed it makes room by <see cref="Eviction"/> first. Default
    /// 8589934592 (8 GiB: about 80 000 frames of 640×640, or a day of a camera escalating one 1080p frame a second,
    /// on a Jetson with tens of GB of storage).
    /// </summary>
    [Range(1_048_576L, long.MaxValue, ErrorMessage = "Outbox:MaxBytes must be at least 1048576 (1 MiB); size it to the disk the device can spare for frames the cloud has not stored yet, e.g. 8589934592 for 8 GiB.")]
    public long MaxBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>
    /// <c>Outbox:MaxEntries</c>: the most frames the outbox may hold; past it, room is made by <see cref="Eviction"/>
    /// first. Bounds the database's index and the forwarder's backlog even for small frames. Default 100000.
    /// </summary>
    [Range(1, 10_000_000, ErrorMessage = "Outbox:MaxEntries must be between 1 and 10000000 frames.")]
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>
    /// <c>Outbox:MaxAgeHours</c>: entries captured longer ago than this are evicted as expired, checked every
    /// <see cref="ExpiryCheckSeconds"/>. 0 keeps entries until the cloud stores them or the quota evicts them.
    /// Default 0.
    /// </summary>
    [Range(0, 24 * 365, ErrorMessage = "Outbox:MaxAgeHours must be between 0 (no age limit) and 8760 hours (a year).")]
    public double MaxAgeHours { get; set; }

    /// <summary><c>Outbox:ExpiryCheckSeconds</c>: how often expired entries are looked for. Default 60.</summary>
    [Range(1, 86_400, ErrorMessage = "Outbox:ExpiryCheckSeconds must be between 1 and 86400 seconds.")]
    public int ExpiryCheckSeconds { get; set; } = 60;

    /// <summary>
    /// <c>Outbox:Eviction</c>: which entries make room when the quota is hit. <c>least-uncertain-first</c> (default):
    /// the frames whose deciding score was furthest from the middle of the uncertain band go first (the cloud learns
    /// least from them), the oldest among equals; entries stored before the agent recorded this count as least
    /// uncertain. <c>oldest-first</c>: the oldest go first.
    /// </summary>
    [Required(ErrorMessage = "Outbox:Eviction is required: least-uncertain-first or oldest-first.")]
    [AllowedValues(LeastUncertainFirst, OldestFirst, ErrorMessage = "Outbox:Eviction must be least-uncertain-first (keep the frames the edge was most unsure about) or oldest-first.")]
    public string Eviction { get; set; } = LeastUncertainFirst;

    /// <summary>
    /// <c>Outbox:EvictToShare</c>: when the outbox reaches its quota, a pass in the background evicts down to this
    /// share of each quota, so passes (each one logged and reported as one event) come once per many frames rather
    /// than once per frame. A frame's own insert evicts only the entry it needs and never waits for the pass, which
    /// runs in small transactions. Default 0.99 (1000 entries at the default quota).
    /// </summary>
    [Range(0.5, 0.999, ErrorMessage = "Outbox:EvictToShare must be between 0.5 and 0.999 (the share of the quota an eviction pass leaves in use).")]
    public double EvictToShare { get; set; } = 0.99;

    /// <summary>
    /// <c>Outbox:NearQuotaEnterShare</c>: at this share of the quota (the larger of bytes and entries) the device
    /// degrades to <c>safe</c> on its own, because frames may be evicted before the cloud settles them. Default 0.9.
    /// </summary>
    [Range(0.01, 1.0, ErrorMessage = "Outbox:NearQuotaEnterShare must be between 0.01 and 1 (the share of the outbox quota at which the device turns safe).")]
    public double NearQuotaEnterShare { get; set; } = 0.9;

    /// <summary>
    /// <c>Outbox:NearQuotaExitShare</c>: below this share the device leaves the outbox's <c>safe</c> again; lower than
    /// <see cref="NearQuotaEnterShare"/> so it does not flap around one value. Default 0.75.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Outbox:NearQuotaExitShare must be between 0 and 1.")]
    public double NearQuotaExitShare { get; set; } = 0.75;

    /// <summary>Whether <see cref="Eviction"/> is <c>oldest-first</c>.</summary>
    public bool EvictsOldestFirst => string.Equals(Eviction, OldestFirst, StringComparison.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (NearQuotaExitShare >= NearQuotaEnterShare)
        {
            yield return new ValidationResult(
                $"Outbox:NearQuotaExitShare ({NearQuotaExitShare}) must be below Outbox:NearQuotaEnterShare ({NearQuotaEnterShare}), or the device flaps in and out of safe.",
                [nameof(NearQuotaExitShare)]);
        }
    }
}
