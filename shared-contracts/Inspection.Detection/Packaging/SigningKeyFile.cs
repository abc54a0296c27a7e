using System.Security.Cryptography;

namespace Inspection.Detection.Packaging;

/// <summary>
/// Reads a P-256 private key from a PEM file, for whatever signs: a publisher's model packages, the cloud's desired
/// states. Every refusal names the file and what the key is for, so the person who configured it can act.
/// </summary>
public static class SigningKeyFile
{
    /// <summary>
    /// The private key in <paramref name="path"/>. <paramref name="name"/> is how the message names the file (its path
    /// and, where there is one, its configuration key); <paramref name="purpose"/> says what the key should be (e.g.
    /// "packages are signed with NAME.private.pem from 'keygen'"). Throws <see cref="InvalidDataException"/> otherwise.
    /// </summary>
    public static ECDsa ReadPrivate(string path, string name, string purpose)
    {
        var text = File.ReadAllText(path);
        if (!text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name} holds no private key: {purpose}.");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(text);
            if (key.KeySize != 256)
            {
                throw new InvalidDataException($"{name} is a {key.KeySize}-bit key; {purpose} (P-256).");
            }

            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"{name} is not a PEM private key ({ex.Message}).", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
