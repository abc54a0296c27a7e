using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Control;

/// <summary>Whose commands the device takes. Bound from the <c>Control</c> section.</summary>
public sealed class ControlOptions
{
    public const string SectionName = "Control";

    /// <summary>
    /// Folder of the cloud's control public keys (<c>*.pem</c>, P-256) the device accepts desired states from; several
    /// while the cloud's key is rotated. Read at start: the agent refuses to start when the folder is missing, holds no
    /// key, or holds anything but public keys. Relative paths resolve against the content root. Key
    /// <c>Control:TrustedKeysPath</c>, default <c>control-keys</c> (on a Jetson <c>/etc/inspection/control-keys</c>).
    /// </summary>
    [Required(ErrorMessage = "Control:TrustedKeysPath is required: the folder holding the cloud's control public key (control.public.pem), e.g. /etc/inspection/control-keys.")]
    public string TrustedKeysPath { get; set; } = "control-keys";
}
