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
    }

    /// <summary>How many frames the queue holds.</summary>
    public int QueueCapacity { get; }

    /// <summary>How long the device should wait before sending the frame again.</summary>
    public TimeSpan RetryAfter { get; }
}
