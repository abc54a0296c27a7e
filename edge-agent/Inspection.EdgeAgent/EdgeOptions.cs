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

    /// <summary>
    /// Labels of this device (site, camera kind, …), reported to the cloud, where a rollout can target a tag. Each
    /// 1-64 letters, digits, '-', '_' or '.'. Keys <c>Edge:Tags:0</c>, <c>Edge:Tags:1</c>, …; default none.
    /// </summary>
    public List<string> Tags { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(DeviceId) && !MqttTopics.IsValidDeviceId(DeviceId))
        {
            yield return new ValidationResult(
                $"Edge:DeviceId '{DeviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.' (no spaces, '/', '+' or '#').",
                [nameof(DeviceId)]);
        }

        foreach (var tag in Tags)
        {
            if (!MqttTopics.IsValidDeviceId(tag))
            {
                yield return new ValidationResult(
                    $"Edge:Tags contains '{tag}': a tag is 1-64 letters, digits, '-', '_' or '.'.",
                    [nameof(Tags)]);
            }
        }
    }
}
