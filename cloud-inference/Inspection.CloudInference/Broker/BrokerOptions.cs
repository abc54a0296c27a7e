using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Inspection.CloudInference.Broker;

/// <summary>
/// The MQTT broker embedded in the cloud service, for a single-machine installation. Bound from
/// <c>Cloud:Broker</c>. Retained messages live in its memory only; for retained state that survives
/// a cloud restart, run a real broker (mosquitto, EMQX) and set <c>Cloud:Broker:Enabled</c> to false.
/// </summary>
public sealed class BrokerOptions : IValidatableObject
{
    public const string SectionName = "Cloud:Broker";

    /// <summary>Run the embedded broker. Key <c>Cloud:Broker:Enabled</c>, default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>TCP port of the embedded broker. Key <c>Cloud:Broker:Port</c>, default 1883.</summary>
    [Range(1, 65535, ErrorMessage = "Cloud:Broker:Port must be a TCP port between 1 and 65535.")]
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Address the embedded broker listens on. Key <c>Cloud:Broker:BindAddress</c>, default
    /// <c>127.0.0.1</c>; use <c>0.0.0.0</c> so edge devices on the plant network can connect.
    /// </summary>
    [Required(ErrorMessage = "Cloud:Broker:BindAddress is required, e.g. 127.0.0.1 or 0.0.0.0.")]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Messages the embedded broker queues for one subscriber before it drops the oldest. The cloud's own fleet view
    /// subscribes to every device: when a thousand devices start or update at once, their status, progress and events
    /// arrive faster than it reads them for a moment. Key <c>Cloud:Broker:MaxPendingMessagesPerClient</c>, default
    /// 20000 (MQTTnet's own default, 250, dropped progress steps of a 1,000-device fleet).
    /// </summary>
    [Range(100, 10_000_000, ErrorMessage = "Cloud:Broker:MaxPendingMessagesPerClient must be between 100 and 10000000.")]
    public int MaxPendingMessagesPerClient { get; set; } = 20_000;

    /// <summary>
    /// mosquitto password file (from <c>identity mqtt</c>) naming who may connect; when set, a client without a valid
    /// user name and password is refused. Key <c>Cloud:Broker:PasswordFile</c>, default none: anonymous clients are
    /// accepted (a warning at start says so), fit only for a broker no one else can reach.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// mosquitto ACL file (from <c>identity mqtt</c>): which user may publish and subscribe to which topics. Key
    /// <c>Cloud:Broker:AclFile</c>, default none (every connected client may use every topic).
    /// </summary>
    public string? AclFile { get; set; }

    /// <summary>
    /// Port of a TLS endpoint, offered besides the plain one when <see cref="CertificateFile"/> is set. Key
    /// <c>Cloud:Broker:TlsPort</c>, default 8883.
    /// </summary>
    [Range(1, 65535, ErrorMessage = "Cloud:Broker:TlsPort must be a TCP port between 1 and 65535 (usually 8883).")]
    public int TlsPort { get; set; } = 8883;

    /// <summary>PEM server certificate of the TLS endpoint. Key <c>Cloud:Broker:CertificateFile</c>, default none (no TLS endpoint).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>. Key <c>Cloud:Broker:KeyFile</c>, default none.</summary>
    public string? KeyFile { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (key, path) in new[] { ("PasswordFile", PasswordFile), ("AclFile", AclFile), ("CertificateFile", CertificateFile), ("KeyFile", KeyFile) })
        {
            if (path is { Length: > 0 } && !File.Exists(path))
            {
                yield return new ValidationResult($"Cloud:Broker:{key} '{path}' does not exist: write it with 'identity mqtt' (or point the key at the right file).", [key]);
            }
        }

        if (CertificateFile is { Length: > 0 } != KeyFile is { Length: > 0 })
        {
            yield return new ValidationResult("Cloud:Broker:CertificateFile and Cloud:Broker:KeyFile go together: set both for a TLS endpoint, or neither.", [nameof(CertificateFile)]);
        }

        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return new ValidationResult(
                $"Cloud:Broker:BindAddress '{BindAddress}' is not an IP address (use 127.0.0.1, 0.0.0.0 or an interface address).",
                [nameof(BindAddress)]);
        }
    }
}
