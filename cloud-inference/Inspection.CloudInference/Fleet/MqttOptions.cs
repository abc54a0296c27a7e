using System.ComponentModel.DataAnnotations;
using Inspection.Mqtt;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// The broker the fleet view connects to (the embedded one by default). Bound from <c>Cloud:Mqtt</c>.
/// </summary>
public sealed class MqttOptions : IValidatableObject
{
    public const string SectionName = "Cloud:Mqtt";

    /// <summary>Broker host name or address. Key <c>Cloud:Mqtt:Host</c>, default <c>127.0.0.1</c>.</summary>
    [Required(ErrorMessage = "Cloud:Mqtt:Host is required: the MQTT broker's host name or address.")]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Broker TCP port. Key <c>Cloud:Mqtt:Port</c>, default 1883.</summary>
    [Range(1, 65535, ErrorMessage = "Cloud:Mqtt:Port must be a TCP port between 1 and 65535.")]
    public int Port { get; set; } = 1883;

    /// <summary>
    /// MQTT client id; the broker keeps this client's session (queued events) under it, so every cloud
    /// instance needs its own. Key <c>Cloud:Mqtt:ClientId</c>, default <c>inspection-cloud</c>.
    /// </summary>
    [Required(ErrorMessage = "Cloud:Mqtt:ClientId is required: a client id unique to this cloud instance.")]
    public string ClientId { get; set; } = "inspection-cloud";

    /// <summary>User name, if the broker requires one. Key <c>Cloud:Mqtt:Username</c>, default none.</summary>
    public string? Username { get; set; }

    /// <summary>Password for <see cref="Username"/>, when no <c>Cloud:Mqtt:PasswordFile</c> is set. Key <c>Cloud:Mqtt:Password</c>, default none.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// File whose first line is the cloud account's broker password (from <c>identity mqtt</c>). Key
    /// <c>Cloud:Mqtt:PasswordFile</c>, default none; preferred over <c>Cloud:Mqtt:Password</c>.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>TLS towards the broker: keys <c>Cloud:Mqtt:Tls:Enabled</c>, <c>…:CaFile</c>, <c>…:CertificateFile</c>, <c>…:KeyFile</c>, <c>…:ServerName</c>; off by default.</summary>
    public MqttTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// How often the connection is checked (ping) and, when lost, re-established. Key
    /// <c>Cloud:Mqtt:ReconnectSeconds</c>, default 5.
    /// </summary>
    [Range(1, 300, ErrorMessage = "Cloud:Mqtt:ReconnectSeconds must be between 1 and 300 seconds.")]
    public int ReconnectSeconds { get; set; } = 5;

    /// <summary>
    /// How long the broker keeps this client's session (subscriptions, queued events) while it is
    /// disconnected. Key <c>Cloud:Mqtt:SessionExpirySeconds</c>, default 3600.
    /// </summary>
    [Range(1, 604800, ErrorMessage = "Cloud:Mqtt:SessionExpirySeconds must be between 1 second and 7 days.")]
    public int SessionExpirySeconds { get; set; } = 3600;

    /// <summary>Recent device events kept per device for the fleet view. Key <c>Cloud:Mqtt:EventsPerDevice</c>, default 20.</summary>
    [Range(1, 1000, ErrorMessage = "Cloud:Mqtt:EventsPerDevice must be between 1 and 1000.")]
    public int EventsPerDevice { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PasswordFile is { Length: > 0 } && !File.Exists(PasswordFile))
        {
            yield return new ValidationResult(
                $"Cloud:Mqtt:PasswordFile '{PasswordFile}' does not exist: copy the cloud account's password file from 'identity mqtt' there.",
                [nameof(PasswordFile)]);
        }

        foreach (var problem in Tls.Problems(SectionName))
        {
            yield return new ValidationResult(problem, [nameof(Tls)]);
        }
    }
}
