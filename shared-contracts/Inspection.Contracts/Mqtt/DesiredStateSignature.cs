using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Inspection.Contracts.Mqtt;

/// <summary>
/// Signs and opens <see cref="SignedDesiredState"/>s: ECDSA P-256 with SHA-256 over the exact bytes of the desired
/// state, the scheme model packages use. The cloud signs with its control key; a device opens with the public keys it
/// pins and applies nothing else. Opening never throws: every refusal comes back as a reason a person can act on.
/// </summary>
public static class DesiredStateSignature
{
    private const DSASignatureFormat Format = DSASignatureFormat.IeeeP1363FixedFieldConcatenation;

    /// <summary>
    /// A key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo, the id model publisher keys
    /// have too, so one trusted-keys listing reads the same everywhere.
    /// </summary>
    public static string KeyIdOf(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    /// <summary>Serializes <paramref name="state"/> and signs its bytes; returns the payload to publish.</summary>
    public static byte[] Sign(DesiredState state, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(privateKey);
        var bytes = MqttPayloads.Serialize(state);
        var signature = privateKey.SignData(bytes, HashAlgorithmName.SHA256, Format);
        return MqttPayloads.Serialize(new SignedDesiredState(
            MqttPayloads.SchemaVersion, Convert.ToBase64String(bytes), KeyIdOf(privateKey), Convert.ToBase64String(signature)));
    }

    /// <summary>
    /// Opens a signed payload: the signature must hold under the trusted key its key id names
    /// (<paramref name="trustedKey"/> returns null for a key it does not trust; <paramref name="trusted"/> lists the
    /// trusted ids for the message), and the state inside must be a valid desired state. Unsigned payloads (the
    /// plain desired state of earlier versions) are refused as such.
    /// </summary>
    public static bool TryOpen(
        ReadOnlySpan<byte> payload,
        Func<string, ECDsa?> trustedKey,
        string trusted,
        [NotNullWhen(true)] out DesiredState? state,
        out string error)
    {
        ArgumentNullException.ThrowIfNull(trustedKey);
        state = null;
        if (!MqttPayloads.TryParseSignedDesired(payload, out var envelope, out error))
        {
            return false;
        }

        if (!TryDecode(envelope.State, out var bytes) || bytes.Length == 0)
        {
            error = "its state is not base64";
            return false;
        }

        if (!TryDecode(envelope.Signature, out var signature) || signature.Length != 64)
        {
            error = "its signature is not a base64 P-256 signature";
            return false;
        }

        var key = trustedKey(envelope.KeyId);
        if (key is null)
        {
            error = $"it is signed by key {envelope.KeyId}, which this device does not trust (trusted: {trusted}); pin the cloud's control public key in Control:TrustedKeysPath";
            return false;
        }

        bool valid;
        try
        {
            valid = key.VerifyData(bytes, signature, HashAlgorithmName.SHA256, Format);
        }
        catch (CryptographicException)
        {
            valid = false;
        }

        if (!valid)
        {
            error = $"its signature does not match its state under key {envelope.KeyId}: the state was changed after signing, or signed by another key";
            return false;
        }

        if (!MqttPayloads.TryParseDesired(bytes, out state, out var invalid))
        {
            error = $"its signed state is invalid: {invalid}";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Reads the state inside a signed payload WITHOUT checking its signature: for observers (the cloud's own tests,
    /// tools) that want to see what was published. A device never applies what this returns.
    /// </summary>
    public static bool TryReadUnverified(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DesiredState? state, out string error)
    {
        state = null;
        if (!MqttPayloads.TryParseSignedDesired(payload, out var envelope, out error))
        {
            return false;
        }

        if (!TryDecode(envelope.State, out var bytes))
        {
            error = "its state is not base64";
            return false;
        }

        return MqttPayloads.TryParseDesired(bytes, out state, out error);
    }

    private static bool TryDecode(string text, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
