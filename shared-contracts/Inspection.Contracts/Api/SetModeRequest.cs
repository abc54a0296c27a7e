namespace Inspection.Contracts.Api;

/// <summary>Body of <c>PUT /api/devices/{deviceId}/desired-mode</c>.</summary>
/// <param name="Mode"><c>normal</c> or <c>local-only</c>.</param>
/// <param name="IssuedBy">Who asks, for the audit trail (operator name).</param>
public sealed record SetModeRequest(string? Mode, string? IssuedBy);
