using System.Security.Cryptography;
using System.Text;

namespace Inspection.Mqtt;

/// <summary>
/// A mosquitto 2.x password file (<c>user:$7$iterations$salt$hash</c>, PBKDF2-SHA512, as <c>mosquitto_passwd</c>
/// writes it): written by the operator CLI, read by mosquitto and by the embedded broker alike, so one file is the
/// one source of truth for who may connect.
/// </summary>
public sealed class MosquittoPasswordFile
{
    /// <summary>PBKDF2 iterations of a new hash; mosquitto_passwd's own default.</summary>
    public const int DefaultIterations = 101;

    private const int SaltBytes = 12;
    private const int HashBytes = 64;
    private readonly Dictionary<string, string> _hashes;

    private MosquittoPasswordFile(Dictionary<string, string> hashes)
    {
        _hashes = hashes;
    }

    /// <summary>The users the file names.</summary>
    public IReadOnlyCollection<string> Users => _hashes.Keys;

    /// <summary>Reads a password file; blank lines and <c>#</c> comments are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not <c>user:hash</c>; the message gives the line number.</exception>
    public static MosquittoPasswordFile Load(string path)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == line.Length - 1)
            {
                throw new InvalidDataException($"{path}:{number} is not 'user:hash' as mosquitto_passwd writes it.");
            }

            hashes[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
        }

        return new MosquittoPasswordFile(hashes);
    }

    /// <summary>A password-file line for <paramref name="user"/> with a fresh random salt.</summary>
    public static string Line(string user, string password, int iterations = DefaultIterations) => $"{user}:{Hash(password, iterations)}";

    /// <summary>A <c>$7$</c> hash of <paramref name="password"/> with a fresh random salt.</summary>
    public static string Hash(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return $"$7${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>A random password for a generated account: 24 bytes, base64url, no characters a shell or JSON must escape.</summary>
    public static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <summary>Whether <paramref name="password"/> is <paramref name="user"/>'s; false for an unknown user or an unsupported hash.</summary>
    public bool Verify(string? user, string? password)
    {
        if (user is null || password is null || !_hashes.TryGetValue(user, out var stored))
        {
            return false;
        }

        var parts = stored.Split('$');
        // "$7$iter$salt$hash" splits into ["", "7", iter, salt, hash]; "$6$salt$hash" into ["", "6", salt, hash].
        try
        {
            if (parts is ["", "7", var iterations, var salt, var hash] && int.TryParse(iterations, out var count) && count > 0)
            {
                var expected = Convert.FromBase64String(hash);
                var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(salt), count, HashAlgorithmName.SHA512, expected.Length);
                return CryptographicOperations.FixedTimeEquals(actual, expected);
            }

            if (parts is ["", "6", var oldSalt, var oldHash])
            {
                // mosquitto 1.x: SHA-512 over password then salt.
                var saltBytes = Convert.FromBase64String(oldSalt);
                var input = Encoding.UTF8.GetBytes(password).Concat(saltBytes).ToArray();
                return CryptographicOperations.FixedTimeEquals(SHA512.HashData(input), Convert.FromBase64String(oldHash));
            }
        }
        catch (FormatException)
        {
            return false;
        }

        return false;
    }
}
