using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Control;

/// <summary>The MQTT broker the device is commanded through. Bound from the <c>Mqtt</c> section.</summary>
public sealed class MqttOptions
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
    /// How long the broker keeps the device's session (and queues desired-state messages) while it is
    /// offline. Default 86400 (one day).
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "Mqtt:SessionExpirySeconds must be at least 1 second (default one day: 86400).")]
    public int SessionExpirySeconds { get; set; } = 86_400;

    /// <summary>How often the connection is checked (ping) and, when lost, re-established. Default 3.</summary>
    [Range(1, 3600, ErrorMessage = "Mqtt:ReconnectDelaySeconds must be between 1 and 3600 seconds.")]
    public int ReconnectDelaySeconds { get; set; } = 3;

    /// <summary>On shutdown, at most this long is spent announcing "offline" before disconnecting. Default 2.</summary>
    [Range(1, 60, ErrorMessage = "Mqtt:ShutdownTimeoutSeconds must be between 1 and 60 seconds.")]
    public int ShutdownTimeoutSeconds { get; set; } = 2;
}
