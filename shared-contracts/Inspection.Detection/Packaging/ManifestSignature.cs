using System.Security.Cryptography;

namespace Inspection.Detection.Packaging;

/// <summary>
/// ECDSA P-256 with SHA-256 over the exact bytes of <c>manifest.json</c>; the signature is stored as base64 of the
/// 64-byte IEEE P1363 form in <c>manifest.sig</c>. Signing over the bytes as stored, not over a re-serialization,
/// means nothing depends on two JSON writers agreeing.
/// </summary>
public static class ManifestSignature
{
    private const DSASignatureFormat Format = DSASignatureFormat.IeeeP1363FixedFieldConcatenation;

    /// <summary>
    /// A key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo. Devices trust keys by id, and
    /// several ids at once while a key is rotated.
    /// </summary>
    public static string KeyIdOf(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    /// <summary>Signs the manifest bytes with the publisher's private key; returns the text of <c>manifest.sig</c>.</summary>
    public static string Sign(ReadOnlySpan<byte> manifest, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        return Convert.ToBase64String(privateKey.SignData(manifest, HashAlgorithmName.SHA256, Format));
    }

    /// <summary>
    /// Checks <paramref name="signature"/> (the text of <c>manifest.sig</c>) over the manifest bytes with the trusted key
    /// named by <paramref name="keyId"/>. Returns null when it holds, else why not, in words a person can act on.
    /// </summary>
    public static string? Verify(ReadOnlySpan<byte> manifest, string signature, string keyId, TrustedKeys trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        if (!trusted.TryGet(keyId, out var key))
        {
            return $"it is signed by key {keyId}, which this {trusted.Holder} does not trust (trusted: {trusted.Describe()})";
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(signature.Trim());
        }
        catch (FormatException)
        {
            return "its signature (manifest.sig) is not base64";
        }

        return bytes.Length == 64 && key.VerifyData(manifest, bytes, HashAlgorithmName.SHA256, Format)
            ? null
            : $"its signature does not match its manifest under key {keyId}: the manifest was changed after signing, or signed by another key";
    }
}
