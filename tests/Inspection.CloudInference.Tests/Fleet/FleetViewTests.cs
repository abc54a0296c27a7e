using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Tests.Fleet;

/// <summary>The verdict-delivery state and age of one device, from the store's totals and the fleet registry's picture.</summary>
public sealed class FleetViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, int, int, bool?, string?, string> States() => new()
    {
        { "every verdict confirmed, device offline", 0, 0, false, "watermark", VerdictDeliveryStates.UpToDate },
        { "every verdict confirmed, older agent", 0, 0, true, "none", VerdictDeliveryStates.UpToDate },
        { "sent, online, watermark below", 0, 2, true, "watermark", VerdictDeliveryStates.Delivering },
        { "pending, online, not reported yet", 1, 0, true, null, VerdictDeliveryStates.Delivering },
        { "pending only, older agent", 1, 0, true, "none", VerdictDeliveryStates.Delivering },
        { "sent, offline", 0, 1, false, "watermark", VerdictDeliveryStates.WaitingForDevice },
        { "sent, never seen", 0, 1, null, null, VerdictDeliveryStates.WaitingForDevice },
        { "sent, older agent without reviews", 1, 1, true, "none", VerdictDeliveryStates.DeviceDoesNotConfirm },
        { "sent, agent with reviews but no watermark", 0, 1, true, "reviews", VerdictDeliveryStates.DeviceDoesNotConfirm },
        { "sent, older agent offline", 0, 1, false, "none", VerdictDeliveryStates.DeviceDoesNotConfirm },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void Delivery_Situation_State(string situation, int pending, int sent, bool? online, string? reports, string expected)
    {
        var totals = new DeviceVerdictTotals(Issued: 5, pending, sent, LastConfirmedNumber: 5 - pending - sent, pending + sent > 0 ? Now.AddMinutes(-1) : null);

        var delivery = FleetView.Delivery(totals, Device(online, reports), Now);

        Assert.True(expected == delivery.State, $"{situation}: {delivery.State}, expected {expected}");
    }

    [Fact]
    public void Delivery_OldestUnconfirmedTwoHoursAgo_AgeAndCounts()
    {
        var totals = new DeviceVerdictTotals(Issued: 9, Pending: 1, Sent: 2, LastConfirmedNumber: 6, Now.AddHours(-2).AddSeconds(-5));

        var delivery = FleetView.Delivery(totals, Device(true, "watermark"), Now);

        Assert.Equal(new VerdictDelivery(VerdictDeliveryStates.Delivering, 1, 2, 6, 9, 6, Now.AddHours(-2).AddSeconds(-5), 7205), delivery);
    }

    private static FleetDevice Device(bool? online, string? reports)
    {
        var reported = reports is null ? null : TestDevices.Reported("cam-1");
        if (reported is not null && reports != "none")
        {
            reported = reported with { Stats = reported.Stats with { Reviews = new ReviewStats(1, 0, 0, 0, ConfirmedThrough: reports == "watermark" ? 3 : null) } };
        }

        return new FleetDevice("cam-1", online, null, 0, null, null, reported, [], 0, null);
    }
}
