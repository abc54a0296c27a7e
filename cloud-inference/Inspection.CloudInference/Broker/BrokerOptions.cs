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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return new ValidationResult(
                $"Cloud:Broker:BindAddress '{BindAddress}' is not an IP address (use 127.0.0.1, 0.0.0.0 or an interface address).",
                [nameof(BindAddress)]);
        }
    }
}
