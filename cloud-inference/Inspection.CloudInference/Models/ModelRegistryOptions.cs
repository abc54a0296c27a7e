using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Models;

/// <summary>The model registry: where packages are kept and whose signatures it accepts. Bound from <c>Cloud:Models</c>.</summary>
public sealed class ModelRegistryOptions
{
    public const string SectionName = "Cloud:Models";

    /// <summary>
    /// Folder of registered packages, one subfolder per release. Relative paths resolve against the content root.
    /// Key <c>Cloud:Models:StoragePath</c>, default <c>data/models</c>.
    /// </summary>
    [Required(ErrorMessage = "Cloud:Models:StoragePath is required: the folder registered model packages are kept in, e.g. data/models.")]
    public string StoragePath { get; set; } = "data/models";

    /// <summary>
    /// Folder of the publisher public keys (<c>*.pem</c>) whose packages are accepted; read at every upload, so a key
    /// added or removed takes effect without a restart. Key <c>Cloud:Models:TrustedKeysPath</c>, default
    /// <c>keys/trusted</c>. Without it, uploads are refused with that reason.
    /// </summary>
    [Required(ErrorMessage = "Cloud:Models:TrustedKeysPath is required: the folder of publisher public keys, e.g. keys/trusted.")]
    public string TrustedKeysPath { get; set; } = "keys/trusted";

    /// <summary>Largest package accepted, in megabytes. Key <c>Cloud:Models:MaxPackageMegabytes</c>, default 256.</summary>
    [Range(1, 4096, ErrorMessage = "Cloud:Models:MaxPackageMegabytes must be between 1 and 4096.")]
    public int MaxPackageMegabytes { get; set; } = 256;

    public long MaxPackageBytes => MaxPackageMegabytes * 1024L * 1024L;

    /// <summary>
    /// The address devices reach this service's HTTP API at, for the URLs in their desired model (e.g.
    /// <c>http://cloud.plant.local:5180</c>). Key <c>Cloud:Models:PublicBaseUrl</c>, default: the address the
    /// request that set the model came in on.
    /// </summary>
    public string? PublicBaseUrl { get; set; }
}
