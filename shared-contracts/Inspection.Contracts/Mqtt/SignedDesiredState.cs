namespace Inspection.Contracts.Mqtt;

/// <summary>
/// The wire form of a <see cref="DesiredState"/> on <c>…/{deviceId}/desired</c>: the state's exact JSON bytes, signed
/// by the cloud's control key. The signature covers those bytes as sent (base64 in <see cref="State"/>), so nothing
/// depends on two JSON writers agreeing; the state inside names its device and version, so a state for one device
/// cannot be applied by another and a version cannot be changed without breaking the signature.
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="State">Base64 of the UTF-8 JSON of the <see cref="DesiredState"/>: the signed bytes.</param>
/// <param name="KeyId">
/// Id of the signing key: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo (the same id a model
/// publisher key has). A device looks it up among the public keys it pins.
/// </param>
/// <param name="Signature">Base64 of the 64-byte ECDSA P-256/SHA-256 signature (IEEE P1363) over the bytes of <see cref="State"/>.</param>
public sealed record SignedDesiredState(int SchemaVersion, string State, string KeyId, string Signature);
