namespace Inspection.Contracts.Api;

/// <summary>
/// How a device's reviewed verdicts are getting to it (<c>GET /api/fleet</c>, per device): each verdict is
/// <c>pending</c> (stored, not yet acknowledged by the broker), <c>sent</c> (the broker acknowledged it) or
/// <c>confirmed</c> (the device's reported watermark <c>stats.reviews.confirmedThrough</c> covers its number).
/// </summary>
/// <param name="State">
/// One of <see cref="VerdictDeliveryStates"/>: <c>up to date</c>, <c>delivering</c>, <c>waiting for the device</c> or
/// <c>device does not confirm</c>.
/// </param>
/// <param name="Pending">Verdicts the broker has not acknowledged yet.</param>
/// <param name="Sent">Verdicts the broker acknowledged that the device has not confirmed yet.</param>
/// <param name="Confirmed">Verdicts the device confirmed holding.</param>
/// <param name="Issued">The last number the cloud issued in the device's series (every verdict it ever stored for it).</param>
/// <param name="LastConfirmedNumber">The highest verdict number the device confirmed; 0 when none.</param>
/// <param name="OldestUnconfirmedAt">When the oldest verdict not confirmed yet was stored (its review completed); null when none.</param>
/// <param name="OldestUnconfirmedAgeSeconds">How long that verdict has waited, in whole seconds (0 when none waits).</param>
public sealed record VerdictDelivery(
    string State,
    int Pending,
    int Sent,
    long Confirmed,
    long Issued,
    long LastConfirmedNumber,
    DateTimeOffset? OldestUnconfirmedAt,
    long OldestUnconfirmedAgeSeconds);
