namespace Inspection.EdgeAgent.Storage;

/// <summary>Wire names of <see cref="OutboxEvictionReason"/>, as results, logs and events carry them.</summary>
public static class OutboxEvictionReasons
{
    public static string ToWire(this OutboxEvictionReason reason) => reason switch
    {
        OutboxEvictionReason.Quota => "quota",
        OutboxEvictionReason.Expired => "expired",
        OutboxEvictionReason.DiskFull => "disk-full",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown eviction reason."),
    };
}
