using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Inspection.Contracts.Mqtt;

/// <summary>
/// Signs and opens <see cref="SignedReviewVerdict"/>s with the <see cref="ControlSignature"/> scheme, exactly as desired
/// states are signed: the cloud signs with its control key; a device opens with the public keys it pins and records
/// nothing else. Opening never throws.
/// </summary>
public static class ReviewVerdictSignature
{
    /// <summary>Serializes <paramref name="verdict"/> and signs its bytes; returns the payload to publish.</summary>
    public static byte[] Sign(ReviewVerdict verdict, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var (body, keyId, signature) = ControlSignature.Sign(MqttPayloads.Serialize(verdict), privateKey);
        return MqttPayloads.Serialize(new SignedReviewVerdict(MqttPayloads.SchemaVersion, body, keyId, signature));
    }

    /// <summary>
    /// Opens a signed payload: the signature must hold under the trusted key its key id names, and the verdict inside
    /// must be a valid verdict. An unsigned verdict is refused as such.
    /// </summary>
    public static bool TryOpen(
        ReadOnlySpan<byte> payload,
        Func<string, ECDsa?> trustedKey,
        string trusted,
        [NotNullWhen(true)] out ReviewVerdict? verdict,
        out string error)
    {
        ArgumentNullException.ThrowIfNull(trustedKey);
        verdict = null;
        if (!MqttPayloads.TryParseSignedVerdict(payload, out var envelope, out error))
        {
            return false;
        }

        if (!ControlSignature.TryVerify(envelope.Body, envelope.KeyId, envelope.Signature, "verdict", trustedKey, trusted, out var bytes, out error))
        {
            return false;
        }

        if (!MqttPayloads.TryParseVerdict(bytes, out verdict, out var invalid))
        {
            error = $"its signed verdict is invalid: {invalid}";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Reads the verdict inside a signed payload WITHOUT checking its signature: for observers (tests, tools). A device
    /// never records what this returns.
    /// </summary>
    public static bool TryReadUnverified(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out ReviewVerdict? verdict, out string error)
    {
        verdict = null;
        if (!MqttPayloads.TryParseSignedVerdict(payload, out var envelope, out error))
        {
            return false;
        }

        if (!ControlSignature.TryDecode(envelope.Body, out var bytes))
        {
            error = "its verdict is not base64";
            return false;
        }

        return MqttPayloads.TryParseVerdict(bytes, out verdict, out error);
    }
}
