namespace Inspection.CloudInference.Review;

/// <summary>Where one device's reviewed verdicts stand in the cloud's store (<see cref="ReviewVerdictStore.DeliveryTotals"/>).</summary>
/// <param name="Issued">The last number issued in the device's series.</param>
/// <param name="Pending">Not acknowledged by the broker yet.</param>
/// <param name="Sent">Acknowledged by the broker, not confirmed by the device.</param>
/// <param name="LastConfirmedNumber">The highest confirmed number; 0 when none.</param>
/// <param name="OldestUnconfirmedAt">When the oldest unconfirmed verdict was stored; null when every one is confirmed.</param>
public sealed record DeviceVerdictTotals(long Issued, int Pending, int Sent, long LastConfirmedNumber, DateTimeOffset? OldestUnconfirmedAt)
{
    /// <summary>Verdicts the device confirmed: every number issued is one stored verdict, and verdicts are never removed.</summary>
    public long Confirmed => Issued - Pending - Sent;
}
