using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// How much the cloud keeps of the frames it refuses. Bound from <c>Cloud:Rejected</c>. A refusal is kept as metadata
/// and a bounded sample of its bytes, once per key and kind of refusal (repeats are counted), and only the most recently
/// seen records are kept: whatever a client sends, the refusals take a bounded share of the disk.
/// </summary>
public sealed class RejectedFrameOptions
{
    public const string SectionName = "Cloud:Rejected";

    /// <summary>
    /// The leading bytes of a refused frame's JPEG kept with its record, enough for its headers (markers, tables, the
    /// frame header that states its size) to show why it was refused. Key <c>Cloud:Rejected:MaxStoredBytes</c>, default
    /// 4096; 0 keeps none.
    /// </summary>
    [Range(0, 1024 * 1024, ErrorMessage = "Cloud:Rejected:MaxStoredBytes must be between 0 and 1048576 (1 MiB).")]
    public int MaxStoredBytes { get; set; } = 4096;

    /// <summary>
    /// Refusal records kept; beyond it the least recently seen are deleted (the refusal count in the summary keeps
    /// counting them). Key <c>Cloud:Rejected:MaxRecords</c>, default 1000 (with the default sample, at most about 5 MB).
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Cloud:Rejected:MaxRecords must be between 1 and 1000000.")]
    public int MaxRecords { get; set; } = 1000;
}
