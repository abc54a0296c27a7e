using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.AgentReleases;

/// <summary>
/// Where registered edge agent bundles are kept. Bound from <c>Cloud:AgentReleases</c>. Bundles are checked against the
/// same publisher keys as model packages (<c>Cloud:Models:TrustedKeysPath</c>) and served under the same public address
/// (<c>Cloud:Models:PublicBaseUrl</c>).
/// </summary>
public sealed class AgentReleaseOptions
{
    public const string SectionName = "Cloud:AgentReleases";

    /// <summary>
    /// Folder of registered bundles, one <c>agent-{version}.zip</c> each. Relative paths resolve against the content
    /// root. Key <c>Cloud:AgentReleases:StoragePath</c>, default <c>data/agent-releases</c>.
    /// </summary>
    [Required(ErrorMessage = "Cloud:AgentReleases:StoragePath is required: the folder registered agent bundles are kept in, e.g. data/agent-releases.")]
    public string StoragePath { get; set; } = "data/agent-releases";

    /// <summary>
    /// Largest bundle accepted, in megabytes (a self-contained agent with ONNX Runtime is a few hundred). Key
    /// <c>Cloud:AgentReleases:MaxBundleMegabytes</c>, default 1024.
    /// </summary>
    [Range(1, 8192, ErrorMessage = "Cloud:AgentReleases:MaxBundleMegabytes must be between 1 and 8192.")]
    public int MaxBundleMegabytes { get; set; } = 1024;

    public long MaxBundleBytes => MaxBundleMegabytes * 1024L * 1024L;
}
