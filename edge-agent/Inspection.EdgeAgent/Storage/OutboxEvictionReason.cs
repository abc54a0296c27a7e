namespace Inspection.EdgeAgent.Storage;

/// <summary>Why entries left the outbox before the cloud stored them. Wire names: <c>quota</c>, <c>expired</c>, <c>disk-full</c>.</summary>
public enum OutboxEvictionReason
{
    /// <summary>A new entry would have exceeded <c>Outbox:MaxBytes</c> or <c>Outbox:MaxEntries</c>.</summary>
    Quota,

    /// <summary>Captured longer ago than <c>Outbox:MaxAgeHours</c>.</summary>
    Expired,

    /// <summary>The database could not be written even after a retry; room was made for the waiting frame.</summary>
    DiskFull,
}
