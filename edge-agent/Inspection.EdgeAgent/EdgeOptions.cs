using System.ComponentModel.DataAnnotations;
using Inspection.Contracts.Mqtt;

namespace Inspection.EdgeAgent;

/// <summary>Who this device is. Bound from the <c>Edge</c> section.</summary>
public sealed class EdgeOptions : IValidatableObject
{
    public const string SectionName = "Edge";

    /// <summary>
    /// The device's id: 1-64 letters, digits, '-', '_' or '.'. Part of every MQTT topic and of every
    /// frame's idempotency key, so it must be unique in the fleet and never change. Required.
    /// </summary>
    [Required(ErrorMessage = "Edge:DeviceId is required: a unique name for this device, e.g. jetson-line1-cam1.")]
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>The production line the device watches. Default <c>line-1</c>.</summary>
    [Required(ErrorMessage = "Edge:LineId must not be empty: the production line this device watches, e.g. line-1.")]
    public string LineId { get; set; } = "line-1";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(DeviceId) && !MqttTopics.IsValidDeviceId(DeviceId))
        {
            yield return new ValidationResult(
                $"Edge:DeviceId '{DeviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.' (no spaces, '/', '+' or '#').",
                [nameof(DeviceId)]);
        }
    }
}
