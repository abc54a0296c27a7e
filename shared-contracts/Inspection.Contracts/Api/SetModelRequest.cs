namespace Inspection.Contracts.Api;

/// <summary>The body of <c>PUT /api/devices/{deviceId}/desired-model</c>.</summary>
/// <param name="Release">A registered release (<c>GET /api/models</c>).</param>
/// <param name="ShadowFrames">Live frames both models see before the swap (null: the device's setting).</param>
/// <param name="MinAgreement">Share of shadow frames whose decisions must agree (null: the device's setting).</param>
/// <param name="HealthFrames">Frames watched after the swap before commit (null: the device's setting).</param>
/// <remarks>
/// Who asks is the signed-in account, which the cloud records as the state's issuer; an <c>issuedBy</c> field that
/// older clients send is ignored.
/// </remarks>
public sealed record SetModelRequest(long? Release, int? ShadowFrames = null, double? MinAgreement = null, int? HealthFrames = null);
