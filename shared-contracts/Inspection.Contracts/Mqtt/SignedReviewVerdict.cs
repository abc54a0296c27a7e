namespace Inspection.Contracts.Mqtt;

/// <summary>
/// The wire form of a <see cref="ReviewVerdict"/> on <c>…/{deviceId}/verdicts</c>: the verdict's exact JSON bytes, signed
/// by the cloud's control key with the scheme desired states use (<see cref="ControlSignature"/>), so only the cloud
/// can tell a device a verdict.
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="Body">Base64 of the UTF-8 JSON of the <see cref="ReviewVerdict"/>: the signed bytes.</param>
/// <param name="KeyId">Id of the signing key (<see cref="ControlSignature.KeyIdOf"/>); a device looks it up among the keys it pins.</param>
/// <param name="Signature">Base64 of the 64-byte ECDSA P-256/SHA-256 signature (IEEE P1363) over the bytes of <see cref="Body"/>.</param>
public sealed record SignedReviewVerdict(int SchemaVersion, string Body, string KeyId, string Signature);
