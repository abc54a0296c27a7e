namespace Inspection.Contracts.Mqtt;

/// <summary>
/// Builds and parses the MQTT topics of contract version 1. Every topic lives under
/// <c>inspection/v1/devices/{deviceId}/</c>.
/// </summary>
public static class MqttTopics
{
    /// <summary>The versioned root all topics of this contract share.</summary>
    public const string Root = "inspection/v1";

    /// <summary>Retained, cloud → device: the <see cref="DesiredState"/>.</summary>
    public const string DesiredSuffix = "desired";

    /// <summary>Retained, device → cloud: the <see cref="ReportedState"/>.</summary>
    public const string ReportedSuffix = "reported";

    /// <summary>Retained, device → cloud: the <see cref="DeviceStatus"/>; also the last will.</summary>
    public const string StatusSuffix = "status";

    /// <summary>Not retained, device → cloud: <see cref="DeviceEvent"/>s.</summary>
    public const string EventsSuffix = "events";

    /// <summary>Not retained, device → cloud: <see cref="OtaProgress"/> of model updates.</summary>
    public const string OtaProgressSuffix = "ota/progress";

    /// <summary>
    /// Not retained, QoS 1, cloud → device: <see cref="SignedReviewVerdict"/>s, an operator's final verdict on what the
    /// device escalated. A stream, not a state: the device's persistent session queues them while it is away.
    /// </summary>
    public const string VerdictsSuffix = "verdicts";

    public static string Desired(string deviceId) => Device(deviceId, DesiredSuffix);

    public static string Verdicts(string deviceId) => Device(deviceId, VerdictsSuffix);

    public static string OtaProgress(string deviceId) => Device(deviceId, OtaProgressSuffix);

    public static string Reported(string deviceId) => Device(deviceId, ReportedSuffix);

    public static string Status(string deviceId) => Device(deviceId, StatusSuffix);

    public static string Events(string deviceId) => Device(deviceId, EventsSuffix);

    /// <summary>Subscription filter for one kind of topic across the whole fleet.</summary>
    public static string AllDevices(string suffix) => $"{Root}/devices/+/{suffix}";

    /// <summary>
    /// Splits a topic of this contract into device id and suffix; false for any other topic.
    /// </summary>
    public static bool TryParse(string topic, out string deviceId, out string suffix)
    {
        deviceId = string.Empty;
        suffix = string.Empty;
        const string prefix = Root + "/devices/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return false;
        }

        deviceId = rest[..slash].ToString();
        suffix = rest[(slash + 1)..].ToString();
        return true;
    }

    /// <summary>
    /// A device id is one topic level of letters, digits, '-', '_' or '.', at most 64 characters,
    /// so it can never inject wildcards or extra levels into a topic.
    /// </summary>
    public static bool IsValidDeviceId(string? deviceId)
    {
        if (string.IsNullOrEmpty(deviceId) || deviceId.Length > 64)
        {
            return false;
        }

        foreach (var c in deviceId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Device(string deviceId, string suffix)
    {
        if (!IsValidDeviceId(deviceId))
        {
            throw new ArgumentException(
                $"Device id '{deviceId}' is not valid: use 1-64 letters, digits, '-', '_' or '.'.", nameof(deviceId));
        }

        return $"{Root}/devices/{deviceId}/{suffix}";
    }
}
