namespace Inspection.CloudInference.Models;

/// <summary>A package the registry accepted, as stored (one document per release; its files are on disk).</summary>
public sealed class RegisteredModel
{
    /// <summary>The release number: the key.</summary>
    public long Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Version { get; set; } = string.Empty;

    /// <summary>SHA-256 of the ONNX file.</summary>
    public string Sha256 { get; set; } = string.Empty;

    public long Size { get; set; }

    public string KeyId { get; set; } = string.Empty;

    /// <summary>SHA-256 of <c>manifest.json</c> as signed.</summary>
    public string ManifestSha256 { get; set; } = string.Empty;

    /// <summary>The text of <c>manifest.sig</c>.</summary>
    public string Signature { get; set; } = string.Empty;

    public DateTime UploadedAt { get; set; }

    public string UploadedBy { get; set; } = string.Empty;

    /// <summary>What the registry's own run of the golden set gave (execution provider, time).</summary>
    public string Validation { get; set; } = string.Empty;
}
