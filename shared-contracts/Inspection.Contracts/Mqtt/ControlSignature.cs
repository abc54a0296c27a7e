using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Inspection.Contracts.Mqtt;

/// <summary>
/// The one signing scheme of what the cloud tells a device (desired states, reviewed verdicts): ECDSA P-256 with
/// SHA-256 over the exact bytes of the signed JSON, carried base64 beside the signing key's id. The signature covers
/// the bytes as sent, so nothing depends on two JSON writers agreeing. Verifying never throws: every refusal comes
/// back as a reason a person can act on.
/// </summary>
public static class ControlSignature
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

    /// <summary>Signs <paramref name="bytes"/>; returns the base64 of the bytes, the key id and the base64 signature.</summary>
    public static (string Body, string KeyId, string Signature) Sign(byte[] bytes, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(privateKey);
        var signature = privateKey.SignData(bytes, HashAlgorithmName.SHA256, Format);
        return (Convert.ToBase64String(bytes), KeyIdOf(privateKey), Convert.ToBase64String(signature));
    }

    /// <summary>
    /// Decodes <paramref name="body"/> and checks <paramref name="signature"/> over it under the trusted key
    /// <paramref name="keyId"/> names (<paramref name="trustedKey"/> returns null for a key it does not trust;
    /// <paramref name="trusted"/> lists the trusted ids for the message). <paramref name="what"/> names the signed
    /// content in messages ("state", "verdict").
    /// </summary>
    public static bool TryVerify(
        string body,
        string keyId,
        string signature,
        string what,
        Func<string, ECDsa?> trustedKey,
        string trusted,
        [NotNullWhen(true)] out byte[]? bytes,
        out string error)
    {
        ArgumentNullException.ThrowIfNull(trustedKey);
        if (!TryDecode(body, out bytes) || bytes.Length == 0)
        {
            bytes = null;
            error = $"its {what} is not base64";
            return false;
        }

        if (!TryDecode(signature, out var signatureBytes) || signatureBytes.Length != 64)
        {
            bytes = null;
            error = "its signature is not a base64 P-256 signature";
            return false;
        }

        var key = trustedKey(keyId);
        if (key is null)
        {
            bytes = null;
            error = $"it is signed by key {keyId}, which this device does not trust (trusted: {trusted}); pin the cloud's control public key in Control:TrustedKeysPath";
            return false;
        }

        bool valid;
        try
        {
            valid = key.VerifyData(bytes, signatureBytes, HashAlgorithmName.SHA256, Format);
        }
        catch (CryptographicException)
        {
            valid = false;
        }

        if (!valid)
        {
            bytes = null;
            error = $"its signature does not match its {what} under key {keyId}: the {what} was changed after signing, or signed by another key";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Decodes base64 without throwing.</summary>
    public static bool TryDecode(string text, out byte[] bytes)
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
