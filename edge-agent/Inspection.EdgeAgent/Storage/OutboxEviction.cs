namespace Inspection.EdgeAgent.Storage;

/// <summary>One eviction pass: entries that left the outbox before the cloud stored them, for one reason.</summary>
/// <param name="Reason">Why they were evicted.</param>
/// <param name="Policy">The order they were chosen in (<c>Outbox:Eviction</c>; <c>oldest-first</c> for expiry).</param>
/// <param name="Count">How many entries.</param>
/// <param name="Bytes">Their stored size.</param>
/// <param name="FirstSequence">Lowest sequence evicted.</param>
/// <param name="LastSequence">Highest sequence evicted.</param>
/// <param name="Usage">The outbox after the pass.</param>
public sealed record OutboxEviction(
    OutboxEvictionReason Reason,
    string Policy,
    int Count,
    long Bytes,
    long FirstSequence,
    long LastSequence,
    OutboxUsage Usage);
