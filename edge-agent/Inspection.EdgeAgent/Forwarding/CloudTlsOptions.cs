using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Forwarding;

/// <summary>
/// The device's identity towards the cloud (mTLS): its client certificate and key, and the fleet CA it trusts the
/// cloud by. Used for escalation (gRPC) and model package downloads. Bound from the <c>Cloud:Tls</c> section; off while
/// all three paths are empty. The files come from the operator CLI's <c>identity device</c>.
/// </summary>
public sealed class CloudTlsOptions : IValidatableObject
{
    public const string SectionName = "Cloud:Tls";

    /// <summary>This device's certificate (PEM, <c>device.crt</c>). Key <c>Cloud:Tls:CertificatePath</c>, default empty.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Its private key (PEM, <c>device.key</c>, mode 0600). Key <c>Cloud:Tls:KeyPath</c>, default empty.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// The fleet CA certificate (PEM, <c>ca.crt</c>): the only issuer whose server certificate the device accepts from the
    /// cloud; the system's root store is not used. Key <c>Cloud:Tls:CaPath</c>, default empty.
    /// </summary>
    public string? CaPath { get; set; }

    /// <summary>True when any of the paths is set (then all three must be).</summary>
    public bool Configured =>
        !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(KeyPath) || !string.IsNullOrWhiteSpace(CaPath);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Configured)
        {
            yield break;
        }

        foreach (var (key, path, what) in new[]
        {
            ("Cloud:Tls:CertificatePath", CertificatePath, "device.crt"),
            ("Cloud:Tls:KeyPath", KeyPath, "device.key"),
            ("Cloud:Tls:CaPath", CaPath, "ca.crt"),
        })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                yield return new ValidationResult(
                    $"{key} is required once any Cloud:Tls path is set: the path of {what} from 'identity device'.", [key]);
            }
            else if (!File.Exists(path))
            {
                yield return new ValidationResult(
                    $"{key} '{Path.GetFullPath(path)}' does not exist: copy {what} from 'identity device --out <folder>' there.", [key]);
            }
        }
    }
}
