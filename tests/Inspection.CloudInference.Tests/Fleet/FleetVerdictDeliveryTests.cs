using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.CloudInference.Tests.Review;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using static Inspection.CloudInference.Tests.Review.ReviewVerdictDeliveryTests;

namespace Inspection.CloudInference.Tests.Fleet;

/// <summary>
/// Reviewed verdict delivery per device in <c>GET /api/fleet</c>, each state reached through the real path: the cloud's
/// sink, its MQTT session, the embedded broker and a device (the agent's real control host, or a device that reports
/// as an older agent does).
/// </summary>
public sealed class FleetVerdictDeliveryTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Fleet_NoVerdictIssued_NoDeliveryShown()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await using var device = await StartDeviceAsync(_directory.Path, cloud.BrokerPort);

        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == DeviceId && d.Reported is not null));

        Assert.Null(fleet.Devices.Single().Verdicts);
    }

    [Fact]
    public async Task Fleet_DeviceConfirmsItsVerdicts_UpToDateWithCountsAndTheLastNumber()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await StartDeviceAsync(_directory.Path, cloud.BrokerPort);

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);
        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "reject", new DateTimeOffset(2026, 12, 7, 11, 0, 0, TimeSpan.Zero)), TestContext.Current.CancellationToken);

        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Confirmed == 2);
        Assert.Equal(
            new VerdictDelivery(VerdictDeliveryStates.UpToDate, Pending: 0, Sent: 0, Confirmed: 2, Issued: 2, LastConfirmedNumber: 2, OldestUnconfirmedAt: null, OldestUnconfirmedAgeSeconds: 0),
            VerdictsOf(fleet));
    }

    [Fact]
    public async Task Fleet_DeviceOfflineWithAVerdictSent_WaitingForTheDeviceThenUpToDateWhenItIsBack()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using (var first = await StartDeviceAsync(_directory.Path, cloud.BrokerPort))
        {
            await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == DeviceId && d.Online == true));
        }

        await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Single().Online == false);
        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix"), TestContext.Current.CancellationToken);

        // Queued by the broker in the device's session: acknowledged, not confirmed.
        var waiting = VerdictsOf(await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Sent == 1))!;
        Assert.Equal((VerdictDeliveryStates.WaitingForDevice, 0, 1, 0L, 0L), (waiting.State, waiting.Pending, waiting.Sent, waiting.Confirmed, waiting.LastConfirmedNumber));
        Assert.Equal(Assert.Single(StoreOf(cloud).Unconfirmed(10)).CreatedAt, waiting.OldestUnconfirmedAt);

        await using var back = await StartDeviceAsync(_directory.Path, cloud.BrokerPort, seed: false);
        var delivered = VerdictsOf(await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Confirmed == 1))!;
        Assert.Equal((VerdictDeliveryStates.UpToDate, 1L), (delivered.State, delivered.LastConfirmedNumber));
    }

    [Fact]
    public async Task Fleet_VerdictForADeviceNeverSeen_ListedAndWaitingForTheDevice()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);

        // The broker acknowledges it (and drops it: the device has no session).
        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Sent == 1);
        var shown = Assert.Single(fleet.Devices);
        Assert.Equal((DeviceId, (bool?)null, VerdictDeliveryStates.WaitingForDevice), (shown.DeviceId, shown.Online, shown.Verdicts!.State));
    }

    [Fact]
    public async Task Fleet_OlderAgentReportingNoReviews_DeviceDoesNotConfirm()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var older = await ScriptedDevice.StartAsync(cloud.BrokerPort, DeviceId);
        await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported is not null && d.Online == true));

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix"), TestContext.Current.CancellationToken);

        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Sent == 1);
        var shown = fleet.Devices.Single();
        Assert.Null(shown.Reported!.Stats.Reviews);
        Assert.Equal((VerdictDeliveryStates.DeviceDoesNotConfirm, 0, 0L), (shown.Verdicts!.State, shown.Verdicts.Pending, shown.Verdicts.Confirmed));
    }

    [Fact]
    public async Task Fleet_AgentReportingReviewsWithoutAWatermark_DeviceDoesNotConfirmEvenOffline()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort, DeviceId);
        await ReportAsync(device, online: true, new ReviewStats(0, 0, 0, 0));
        await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported?.Stats.Reviews is not null));

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix"), TestContext.Current.CancellationToken);
        Assert.Equal(VerdictDeliveryStates.DeviceDoesNotConfirm, VerdictsOf(await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Sent == 1))!.State);

        // Waiting for it would change nothing: it never confirms.
        await device.PublishAsync(MqttTopics.Status(DeviceId), MqttPayloads.Serialize(TestDevices.Online(DeviceId, online: false)));
        var offline = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Single().Online == false);
        Assert.Equal(VerdictDeliveryStates.DeviceDoesNotConfirm, VerdictsOf(offline)!.State);
    }

    [Fact]
    public async Task Fleet_OnlineDeviceWhoseWatermarkDoesNotCoverTheVerdict_Delivering()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);

        // A current agent that has not stored the verdict (say its disk is failing): it reports a watermark of 0.
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort, DeviceId);
        await ReportAsync(device, online: true, new ReviewStats(0, 0, 0, 0, ConfirmedThrough: 0));
        await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported?.Stats.Reviews is not null && d.Online == true));

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);

        var delivering = VerdictsOf(await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Sent == 1))!;
        Assert.Equal((VerdictDeliveryStates.Delivering, 0, 0L, 1L), (delivering.State, delivering.Pending, delivering.Confirmed, delivering.Issued));
        Assert.NotNull(delivering.OldestUnconfirmedAt);

        // It stores it and says so: confirmed.
        await ReportAsync(device, online: true, new ReviewStats(1, 0, 0, 0, ConfirmedThrough: 1));
        var confirmed = VerdictsOf(await FleetApiTests.PollFleetAsync(cloud, f => VerdictsOf(f)?.Confirmed == 1))!;
        Assert.Equal((VerdictDeliveryStates.UpToDate, 1L), (confirmed.State, confirmed.LastConfirmedNumber));
    }

    private static VerdictDelivery? VerdictsOf(FleetSnapshot fleet) => fleet.Devices.SingleOrDefault(d => d.DeviceId == DeviceId)?.Verdicts;

    private static async Task ReportAsync(TestMqttClient device, bool online, ReviewStats reviews)
    {
        var reported = TestDevices.Reported(DeviceId);
        await device.PublishAsync(MqttTopics.Status(DeviceId), MqttPayloads.Serialize(TestDevices.Online(DeviceId, online)));
        await device.PublishAsync(MqttTopics.Reported(DeviceId), MqttPayloads.Serialize(reported with { Stats = reported.Stats with { Reviews = reviews } }));
    }
}
