using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// How the cloud gathers escalated frames into batches for its model, and how many it lets wait. Bound from
/// <c>Cloud:Batching</c>.
/// </summary>
public sealed class BatchingOptions
{
    public const string SectionName = "Cloud:Batching";

    /// <summary>
    /// Most frames one inference takes. Key <c>Cloud:Batching:MaxBatchSize</c>, default 8. It is also the size the
    /// model's buffers and TensorRT's optimisation profile (batch 1 to this) are built for; 1 runs frame by frame. A model
    /// whose batch is fixed at 1 runs frame by frame whatever this says.
    /// </summary>
    [Range(1, 256, ErrorMessage = "Cloud:Batching:MaxBatchSize must be between 1 and 256 frames per inference.")]
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>
    /// How long the first frame of a batch waits for more before the batch runs, in milliseconds. Key
    /// <c>Cloud:Batching:MaxWaitMilliseconds</c>, default 5: a frame that arrives alone is delayed by at most this, and
    /// frames that arrive together (several devices, or a part's frames) share one inference. 0 runs whatever is queued
    /// at once.
    /// </summary>
    [Range(0, 1000, ErrorMessage = "Cloud:Batching:MaxWaitMilliseconds must be between 0 and 1000 milliseconds.")]
    public int MaxWaitMilliseconds { get; set; } = 5;

    /// <summary>
    /// Frames that may wait for the model. Key <c>Cloud:Batching:QueueCapacity</c>, default 64. A frame that finds the
    /// queue full is not stored: its call ends with <c>RESOURCE_EXHAUSTED</c> and the trailer
    /// <c>grpc-retry-pushback-ms</c>, and the device keeps it in its outbox and sends it again after that time.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "Cloud:Batching:QueueCapacity must be between 1 and 100000 frames.")]
    public int QueueCapacity { get; set; } = 64;

    /// <summary>
    /// The wait a refused device is told to keep before sending again (<c>grpc-retry-pushback-ms</c>), in milliseconds.
    /// Key <c>Cloud:Batching:RetryAfterMilliseconds</c>, default 500: a full default queue drains in well under that on
    /// a GPU.
    /// </summary>
    [Range(1, 600_000, ErrorMessage = "Cloud:Batching:RetryAfterMilliseconds must be between 1 and 600000 milliseconds.")]
    public int RetryAfterMilliseconds { get; set; } = 500;
}
