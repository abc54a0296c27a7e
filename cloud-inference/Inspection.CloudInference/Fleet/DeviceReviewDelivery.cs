namespace Inspection.CloudInference.Fleet;

/// <summary>What the fleet registry knows that decides whether a device's reviewed verdicts are published again.</summary>
/// <param name="Online">Whether the device's last status said online.</param>
/// <param name="OnlineSince">When the cloud last received its "online" status (it announces itself on every connect, after subscribing).</param>
/// <param name="ReportsReviews">Whether its reported state carries review counters at all.</param>
/// <param name="ConfirmedThrough">Its reported verdict watermark; null when it reports none (not yet, or an agent that predates it).</param>
public sealed record DeviceReviewDelivery(bool Online, DateTimeOffset? OnlineSince, bool ReportsReviews, long? ConfirmedThrough);
