using System.ComponentModel.DataAnnotations;
using Inspection.Mqtt;

namespace Inspection.EdgeAgent.Control;

/// <summary>The MQTT broker the device is commanded through. Bound from the <c>Mqtt</c> section.</summary>
public sealed class MqttOptions : IValidatableObject
{
    public const string SectionName = "Mqtt";

    /// <summary>Broker host name or address. Default <c>127.0.0.1</c>.</summary>
    [Required(ErrorMessage = "Mqtt:Host is required: the MQTT broker's host name or address, e.g. 127.0.0.1.")]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Broker TCP port. Default 1883.</summary>
    [Range(1, 65535, ErrorMessage = "Mqtt:Port must be a TCP port between 1 and 65535 (the broker's port, usually 1883).")]
    public int Port { get; set; } = 1883;

    /// <summary>MQTT client id. Default: the device id (<c>Edge:DeviceId</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>Keep-alive period; the broker declares the device gone (last will) after 1.5 of these without traffic. Default 15.</summary>
    [Range(1, 3600, ErrorMessage = "Mqtt:KeepAliveSeconds must be between 1 and 3600 seconds.")]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>
    /// How long the broker keeps the device's session (and queues desired-state messages and reviewed verdicts) while
    /// it is offline. Default 86400 (one day).
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "Mqtt:SessionExpirySeconds must be at least 1 second (default one day: 86400).")]
    public int SessionExpirySeconds { get; set; } = 86_400;

    /// <summary>How often the connection is checked (ping) and, when lost, re-established. Default 3.</summary>
    [Range(1, 3600, ErrorMessage = "Mqtt:ReconnectDelaySeconds must be between 1 and 3600 seconds.")]
    public int ReconnectDelaySeconds { get; set; } = 3;

    /// <summary>On shutdown, at most this long is spent announcing "offline" before disconnecting. Default 2.</summary>
    [Range(1, 60, ErrorMessage = "Mqtt:ShutdownTimeoutSeconds must be between 1 and 60 seconds.")]
    public int ShutdownTimeoutSeconds { get; set; } = 2;

    /// <summary>
    /// The device's user name on the broker (its device id, from <c>identity mqtt</c>). Key <c>Mqtt:Username</c>,
    /// default none (anonymous, for a broker that allows it).
    /// </summary>
    public string? Username { get; set; }

    /// <summary>
    /// File whose first line is the device's broker password (written by <c>identity mqtt</c>, readable only by the
    /// agent's service account). Key <c>Mqtt:PasswordFile</c>, default none; preferred over <c>Mqtt:Password</c>.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>The broker password in configuration, when no <c>Mqtt:PasswordFile</c> is set. Key <c>Mqtt:Password</c>, default none.</summary>
    public string? Password { get; set; }

    /// <summary>TLS towards the broker: keys <c>Mqtt:Tls:Enabled</c>, <c>Mqtt:Tls:CaFile</c>, <c>Mqtt:Tls:CertificateFile</c>, <c>Mqtt:Tls:KeyFile</c>, <c>Mqtt:Tls:ServerName</c>; off by default.</summary>
    public MqttTlsOptions Tls { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PasswordFile is { Length: > 0 } && !File.Exists(PasswordFile))
        {
            yield return new ValidationResult(
                $"Mqtt:PasswordFile '{PasswordFile}' does not exist: copy the device's password file from 'identity mqtt' there (mode 0600, owned by the agent's user).",
                [nameof(PasswordFile)]);
        }

        if (Username is not { Length: > 0 } && (PasswordFile is { Length: > 0 } || Password is { Length: > 0 }))
        {
            yield return new ValidationResult("Mqtt:Username is missing: a broker password is set but no user name (the device id, as in 'identity mqtt').", [nameof(Username)]);
        }

        foreach (var problem in Tls.Problems(SectionName))
        {
            yield return new ValidationResult(problem, [nameof(Tls)]);
        }
    }
}
