using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Inspection.Detection.Packaging;

/// <summary>
/// The publisher public keys a device or the registry accepts packages from, by key id: every <c>*.pem</c> file
/// (a P-256 <c>PUBLIC KEY</c>) in one folder. Several at once while a key is rotated: publish with the new key once
/// every device trusts it, then remove the old one.
/// </summary>
public sealed class TrustedKeys : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys;

    private TrustedKeys(Dictionary<string, ECDsa> keys, string holder)
    {
        _keys = keys;
        Holder = holder;
    }

    /// <summary>Who holds these keys, for messages: "device", "registry".</summary>
    public string Holder { get; }

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>
    /// Loads every <c>*.pem</c> in <paramref name="folder"/>. Throws <see cref="InvalidDataException"/> naming the file
    /// when one is not a P-256 public key (a private key in a device's trust folder is refused too: it must never be
    /// there), and <see cref="DirectoryNotFoundException"/> when the folder is missing.
    /// </summary>
    public static TrustedKeys Load(string folder, string holder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The trusted-keys folder '{folder}' does not exist.");
        }

        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.pem").Order(StringComparer.Ordinal))
            {
                var key = ReadPublicKey(file);
                keys[ManifestSignature.KeyIdOf(key)] = key;
            }
        }
        catch
        {
            foreach (var key in keys.Values)
            {
                key.Dispose();
            }

            throw;
        }

        return new TrustedKeys(keys, holder);
    }

    /// <summary>Trusts exactly these public keys (tests, tools).</summary>
    public static TrustedKeys Of(string holder, params ECDsa[] publicKeys)
    {
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var key in publicKeys)
        {
            var copy = ECDsa.Create();
            copy.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
            keys[ManifestSignature.KeyIdOf(copy)] = copy;
        }

        return new TrustedKeys(keys, holder);
    }

    public bool TryGet(string keyId, [NotNullWhen(true)] out ECDsa? key) => _keys.TryGetValue(keyId, out key);

    public string Describe() => _keys.Count == 0 ? "none" : string.Join(", ", _keys.Keys.Order(StringComparer.Ordinal));

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        _keys.Clear();
    }

    private static ECDsa ReadPublicKey(string file)
    {
        var text = File.ReadAllText(file);
        if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{file}' holds a private key: only public keys belong in a trusted-keys folder.");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(text);
            if (key.KeySize != 256)
            {
                throw new InvalidDataException($"'{file}' is a {key.KeySize}-bit key; package signatures use P-256.");
            }

            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"'{file}' is not a PEM public key ({ex.Message}).", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
