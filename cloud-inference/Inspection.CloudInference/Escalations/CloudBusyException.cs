namespace Inspection.CloudInference.Escalations;

/// <summary>
/// The frame found the inference queue full and was not queued. Nothing of it was stored; the caller tells the device
/// to send it again after <see cref="RetryAfter"/>.
/// </summary>
public sealed class CloudBusyException : Exception
{
    public CloudBusyException()
    {
    }

    public CloudBusyException(string message)
        : base(message)
    {
    }

    public CloudBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CloudBusyException(int queueCapacity, TimeSpan retryAfter)
        : base($"The cloud's inference queue is full ({queueCapacity} frames waiting, Cloud:Batching:QueueCapacity); the frame was not stored. Send it again after {retryAfter.TotalMilliseconds:0} ms.")
    {
        QueueCapacity = queueCapacity;
        RetryAfter = retryAfter;
        Reason = $"the inference queue is full ({queueCapacity} frames)";
    }

    /// <summary>
    /// The queue has room, but the frames ahead would take longer than the caller's deadline leaves: the frame would be
    /// stored after the device gave up on its answer, and count as a failed call there.
    /// </summary>
    public CloudBusyException(TimeSpan expectedWait, TimeSpan remaining, int queueCapacity, TimeSpan retryAfter)
        : base($"The cloud's inference queue would answer this frame in about {expectedWait.TotalSeconds:0.0} s, after the call's deadline ({remaining.TotalSeconds:0.0} s left); the frame was not stored. Send it again after {retryAfter.TotalMilliseconds:0} ms.")
    {
        QueueCapacity = queueCapacity;
        RetryAfter = retryAfter;
        Reason = $"the queue would answer in about {expectedWait.TotalSeconds:0.0} s, with {remaining.TotalSeconds:0.0} s left to the call's deadline";
    }

    /// <summary>
    /// The frame waited in the queue for <paramref name="waited"/>, the share of the call's time it may wait, without
    /// reaching the model: it was taken out of the queue so the device hears back before its deadline.
    /// </summary>
    public CloudBusyException(TimeSpan waited, int queueCapacity, TimeSpan retryAfter)
        : base($"The cloud's inference queue did not reach this frame within {waited.TotalSeconds:0.0} s, too close to the call's deadline to answer it in time; the frame was not stored. Send it again after {retryAfter.TotalMilliseconds:0} ms.")
    {
        QueueCapacity = queueCapacity;
        RetryAfter = retryAfter;
        Reason = $"the frame waited {waited.TotalSeconds:0.0} s in the queue, too close to the call's deadline";
    }

    /// <summary>Why the frame was refused, in a few words for the log.</summary>
    public string Reason { get; } = "the cloud is busy";

    /// <summary>How many frames the queue holds.</summary>
    public int QueueCapacity { get; }

    /// <summary>How long the device should wait before sending the frame again.</summary>
    public TimeSpan RetryAfter { get; }
}
