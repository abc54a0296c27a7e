namespace Inspection.Contracts.Api;

/// <summary>The body of <c>PUT /api/devices/{deviceId}/desired-agent</c>.</summary>
/// <param name="Version">A registered agent release (<c>GET /api/agent-releases</c>).</param>
/// <remarks>Who asks is the signed-in account, which the cloud records as the state's issuer.</remarks>
public sealed record SetAgentRequest(string? Version);
