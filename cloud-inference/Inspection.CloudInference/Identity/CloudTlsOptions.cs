using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Identity;

/// <summary>
/// The devices' endpoint: HTTPS that requires a client certificate issued by the fleet CA (mTLS). It serves the gRPC
/// escalation service and the model package downloads, nothing else; the operator page and API stay on
/// <c>Cloud:HttpUrl</c>. Bound from the <c>Cloud:Tls</c> section; off while <c>Cloud:Tls:Url</c> is empty.
/// </summary>
public sealed class CloudTlsOptions : IValidatableObject
{
    public const string SectionName = "Cloud:Tls";

    /// <summary>
    /// Where the mTLS endpoint listens, e.g. <c>https://0.0.0.0:5101</c>. Key <c>Cloud:Tls:Url</c>, default empty (off:
    /// the demo runs on loopback cleartext).
    /// </summary>
    public string? Url { get; set; }

    /// <summary>The cloud's server certificate (PEM, <c>server.crt</c> from <c>identity server</c>). Key <c>Cloud:Tls:CertificatePath</c>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Its private key (PEM, <c>server.key</c>). Key <c>Cloud:Tls:KeyPath</c>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// The fleet CA certificate (PEM, <c>ca.crt</c>): the only issuer whose device certificates are accepted; the
    /// system's root store is not used. Key <c>Cloud:Tls:ClientCaPath</c>.
    /// </summary>
    public string? ClientCaPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Problems().Select(static p => new ValidationResult(p.Message, [p.Key]));

    /// <summary>What is wrong with the settings, key by key; Kestrel reads them before options validation runs.</summary>
    public IEnumerable<(string Key, string Message)> Problems()
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!ListenUrl.TryParseHttps(Url, out _, out var error))
        {
            yield return ("Cloud:Tls:Url", $"Cloud:Tls:Url '{Url}' is not usable: {error}");
        }

        foreach (var (key, path, what) in new[]
        {
            ("Cloud:Tls:CertificatePath", CertificatePath, "the server certificate (server.crt from 'identity server')"),
            ("Cloud:Tls:KeyPath", KeyPath, "the server key (server.key from 'identity server')"),
            ("Cloud:Tls:ClientCaPath", ClientCaPath, "the fleet CA certificate (ca.crt)"),
        })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                yield return (key, $"{key} is required while Cloud:Tls:Url is set: the path of {what}.");
            }
            else if (!File.Exists(path))
            {
                yield return (key, $"{key} '{Path.GetFullPath(path)}' does not exist: it should be {what}.");
            }
        }
    }
}
