namespace Inspection.CloudInference.Fleet;

/// <summary>The key the cloud signs every desired state with. Bound from <c>Cloud:Control</c>.</summary>
public sealed class ControlKeyOptions
{
    public const string SectionName = "Cloud:Control";

    /// <summary>
    /// PEM file of the cloud's control private key (P-256, PKCS#8), e.g. one made with
    /// <c>Inspection.ModelTools keygen --name control</c>. When the file does not exist, a key is generated there at the
    /// first start, with its public half beside it in <c>control-keys/control.public.pem</c>, and a warning names both: every device
    /// must pin that public key (<c>Control:TrustedKeysPath</c>) or it refuses the cloud's states. Relative paths resolve
    /// against the content root. Key <c>Cloud:Control:SigningKeyPath</c>, default empty: <c>control.private.pem</c> in
    /// the folder of the cloud database (<c>Cloud:StoragePath</c>).
    /// </summary>
    public string? SigningKeyPath { get; set; }
}
