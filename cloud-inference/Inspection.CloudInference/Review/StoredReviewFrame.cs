using Inspection.CloudInference.Escalations;

namespace Inspection.CloudInference.Review;

/// <summary>The final boxes of one reviewed frame: the cloud's (accept), the reviewer's (fix), none (reject).</summary>
public sealed class StoredReviewFrame
{
    /// <summary>The frame's sequence on its device.</summary>
    public long Sequence { get; set; }

    public List<StoredDetection> Boxes { get; set; } = [];
}
