using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// How the cloud commands devices: the key it signs every desired state with, and how long a device may take to apply
/// one before the fleet view calls it a conflict. Bound from <c>Cloud:Control</c>.
/// </summary>
public sealed class ControlOptions
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

    /// <summary>
    /// How long after the cloud issued a desired state a device may still report another applied version before the
    /// fleet view (and <c>fleet</c> in the operator CLI) shows it as a conflict. Long enough for an offline device's
    /// reconnect and a heartbeat. Key <c>Cloud:Control:ConflictGraceSeconds</c>, default 60.
    /// </summary>
    [Range(1, 86_400, ErrorMessage = "Cloud:Control:ConflictGraceSeconds must be between 1 and 86400 seconds (default 60): how long a device may take to apply a desired state before it shows as a conflict.")]
    public int ConflictGraceSeconds { get; set; } = 60;
}
