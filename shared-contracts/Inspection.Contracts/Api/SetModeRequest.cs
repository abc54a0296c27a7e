namespace Inspection.Contracts.Api;

/// <summary>Body of <c>PUT /api/devices/{deviceId}/desired-mode</c>.</summary>
/// <param name="Mode"><c>normal</c> or <c>local-only</c>.</param>
/// <remarks>
/// Who asks is the signed-in account (cookie or API token), which the cloud records as the state's issuer; an
/// <c>issuedBy</c> field that older clients send is ignored.
/// </remarks>
public sealed record SetModeRequest(string? Mode);
