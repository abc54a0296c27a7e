using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Inspection.Contracts.Mqtt;

/// <summary>
/// Signs and opens <see cref="SignedDesiredState"/>s with the <see cref="ControlSignature"/> scheme (ECDSA P-256 with
/// SHA-256 over the exact bytes of the desired state, the scheme model packages use). The cloud signs with its control
/// key; a device opens with the public keys it pins and applies nothing else. Opening never throws: every refusal comes back as a reason a person can act on.
/// </summary>
public static class DesiredStateSignature
{
    /// <summary>A key's id (<see cref="ControlSignature.KeyIdOf"/>).</summary>
    public static string KeyIdOf(ECDsa key) => ControlSignature.KeyIdOf(key);

    /// <summary>Serializes <paramref name="state"/> and signs its bytes; returns the payload to publish.</summary>
    public static byte[] Sign(DesiredState state, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (body, keyId, signature) = ControlSignature.Sign(MqttPayloads.Serialize(state), privateKey);
        return MqttPayloads.Serialize(new SignedDesiredState(MqttPayloads.SchemaVersion, body, keyId, signature));
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

        if (!ControlSignature.TryVerify(envelope.State, envelope.KeyId, envelope.Signature, "state", trustedKey, trusted, out var bytes, out error))
        {
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

        if (!ControlSignature.TryDecode(envelope.State, out var bytes))
        {
            error = "its state is not base64";
            return false;
        }

        return MqttPayloads.TryParseDesired(bytes, out state, out error);
    }
}
