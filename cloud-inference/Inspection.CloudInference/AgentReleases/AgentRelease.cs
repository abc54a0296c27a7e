using LiteDB;

namespace Inspection.CloudInference.AgentReleases;

/// <summary>An agent bundle the cloud accepted, as stored (collection <c>agent_releases</c>; the bundle is on disk).</summary>
public sealed class AgentRelease
{
    /// <summary>The agent's semantic version: the key.</summary>
    [BsonId]
    public string Version { get; set; } = string.Empty;

    /// <summary>SHA-256 of the bundle file as served.</summary>
    public string Sha256 { get; set; } = string.Empty;

    public long Size { get; set; }

    public string KeyId { get; set; } = string.Empty;

    public string Entry { get; set; } = string.Empty;

    public int Files { get; set; }

    public long InstalledSize { get; set; }

    public DateTime UploadedAt { get; set; }

    public string UploadedBy { get; set; } = string.Empty;
}
