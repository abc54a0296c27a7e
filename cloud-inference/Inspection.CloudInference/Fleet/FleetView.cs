using Inspection.CloudInference.Review;
using Inspection.Contracts.Api;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// The fleet as <c>GET /api/fleet</c> shows it: the registry's picture of each device with how its reviewed verdicts
/// are getting to it. Kept apart from <see cref="FleetRegistry.Snapshot"/>, which the rollout controller reads every
/// tick and which needs nothing from the database.
/// </summary>
public sealed class FleetView
{
    private readonly FleetRegistry _registry;
    private readonly ReviewVerdictStore _verdicts;
    private readonly TimeProvider _time;

    public FleetView(FleetRegistry registry, ReviewVerdictStore verdicts, TimeProvider time)
    {
        _registry = registry;
        _verdicts = verdicts;
        _time = time;
    }

    public FleetSnapshot Snapshot()
    {
        var snapshot = _registry.Snapshot();
        var totals = _verdicts.DeliveryTotals();
        if (totals.Count == 0)
        {
            return snapshot;
        }

        var now = _time.GetUtcNow();
        var devices = new List<FleetDevice>(snapshot.Devices.Count + totals.Count);
        foreach (var device in snapshot.Devices)
        {
            devices.Add(totals.TryGetValue(device.DeviceId, out var own) ? device with { Verdicts = Delivery(own, device, now) } : device);
        }

        // A device the cloud holds verdicts for but has not heard from since it started (or ever) is listed too: its
        // verdicts wait for it.
        var listed = devices.Select(d => d.DeviceId).ToHashSet(StringComparer.Ordinal);
        foreach (var (deviceId, own) in totals.Where(t => !listed.Contains(t.Key)))
        {
            var unseen = new FleetDevice(deviceId, null, null, 0, null, null, null, [], 0, null);
            devices.Add(unseen with { Verdicts = Delivery(own, unseen, now) });
        }

        devices.Sort((a, b) => string.CompareOrdinal(a.DeviceId, b.DeviceId));
        return snapshot with { Devices = devices };
    }

    /// <summary>The device's verdict delivery, its state decided in the order of <see cref="VerdictDeliveryStates"/>.</summary>
    public static VerdictDelivery Delivery(DeviceVerdictTotals totals, FleetDevice device, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(device);
        var state = (totals.Pending + totals.Sent) switch
        {
            0 => VerdictDeliveryStates.UpToDate,

            // Offline or not, an agent without the watermark never confirms: waiting for it would change nothing.
            _ when totals.Sent > 0 && device.Reported is { } reported && reported.Stats.Reviews?.ConfirmedThrough is null => VerdictDeliveryStates.DeviceDoesNotConfirm,
            _ when device.Online is not true => VerdictDeliveryStates.WaitingForDevice,
            _ => VerdictDeliveryStates.Delivering,
        };
        var age = totals.OldestUnconfirmedAt is { } oldest ? (long)Math.Max(0, (now - oldest).TotalSeconds) : 0;
        return new VerdictDelivery(state, totals.Pending, totals.Sent, totals.Confirmed, totals.Issued, totals.LastConfirmedNumber, totals.OldestUnconfirmedAt, age);
    }
}
