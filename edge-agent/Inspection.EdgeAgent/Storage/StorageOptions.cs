using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Storage;

/// <summary>Where and how much the agent keeps locally. Bound from the <c>Storage</c> section.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>
    /// Path of the LiteDB file holding results, the outbox and the device's sequence counter. A relative
    /// path is relative to the working directory. Default <c>data/edge.db</c>.
    /// </summary>
    [Required(ErrorMessage = "Storage:Path is required: the database file for results and the outbox, e.g. data/edge.db.")]
    public string Path { get; set; } = "data/edge.db";

    /// <summary>Keep the newest this many inspection results; older ones are deleted in batches. Default 100000.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Storage:MaxResults must be at least 1 (how many inspection results to keep).")]
    public int MaxResults { get; set; } = 100_000;

    /// <summary>
    /// Retention runs once every this many results and deletes at most this many per run, so it never
    /// stalls the line. Default 1000.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "Storage:RetentionBatchSize must be between 1 and 100000 results.")]
    public int RetentionBatchSize { get; set; } = 1000;

    /// <summary>
    /// Sequence numbers are reserved on disk this many at a time, so a crash can skip numbers but never
    /// reuse one. Default 1000.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Storage:SequenceBlockSize must be between 1 and 1000000.")]
    public int SequenceBlockSize { get; set; } = 1000;
}
