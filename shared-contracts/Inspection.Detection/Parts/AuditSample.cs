using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Inspection.Detection.Parts;

/// <summary>
/// Which confidently decided parts (or frames) are also sent for review as audits (<c>Parts:AuditShare</c>), the same
/// rule on the edge and in the stand-in review set. The choice is a hash of a stable key (the device and the part's or
/// frame's number), not a random draw: a restarted agent, a retried write and a second run over the same line pick the
/// same items, and the share picked converges on the share asked for.
/// </summary>
public static class AuditSample
{
    /// <summary>
    /// Whether the item named <paramref name="key"/> is audited at <paramref name="share"/> (0: none, 1: all). The key's
    /// SHA-256 read as a fraction in [0, 1) is compared with the share, so raising the share only adds items.
    /// </summary>
    public static bool Picks(string key, double share)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (share <= 0)
        {
            return false;
        }

        if (share >= 1)
        {
            return true;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var fraction = (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
        return fraction < share;
    }
}
