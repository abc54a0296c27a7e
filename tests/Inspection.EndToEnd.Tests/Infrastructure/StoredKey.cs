namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>One stored escalation: its idempotency key and the store it is in.</summary>
internal sealed record StoredKey(string DeviceId, long Sequence, string Store);
