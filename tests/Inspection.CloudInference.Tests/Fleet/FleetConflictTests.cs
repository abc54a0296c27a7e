using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Tests.Fleet;

/// <summary>A device that disagrees with the cloud about its desired state shows as a conflict in <c>/api/fleet</c>.</summary>
public sealed class FleetConflictTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Fleet_DeviceRejectsTheIssuedState_ConflictWithTheDevicesReasonUntilANewStateApplies()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);
        await FleetApiTests.PutModeAsync(cloud, "cam-1", DegradationModes.LocalOnly);

        // What an agent that does not pin the cloud's key reports.
        var rejection = new RejectedPayload(MqttTopics.Desired("cam-1"), "it is signed by key 0123456789abcdef, which this device does not trust (trusted: fedcba9876543210)", DateTimeOffset.UtcNow);
        await device.PublishAsync(MqttTopics.Reported("cam-1"), MqttPayloads.Serialize(TestDevices.Reported("cam-1") with { LastRejected = rejection }));
        var conflicted = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-1" && d.Conflict is not null));

        Assert.Equal($"rejected a desired state: {rejection.Error}", Assert.Single(conflicted.Devices).Conflict);

        // The key pinned, the cloud issues again and the device applies it: its old rejection no longer counts.
        var (_, next) = await FleetApiTests.PutModeAsync(cloud, "cam-1", DegradationModes.Normal);
        await device.PublishAsync(MqttTopics.Reported("cam-1"), MqttPayloads.Serialize(TestDevices.Reported("cam-1", next!.Version) with { LastRejected = rejection }));
        var resolved = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-1" && d.AppliedDesiredVersion == next.Version));

        Assert.Null(Assert.Single(resolved.Devices).Conflict);
    }

    [Fact]
    public async Task Fleet_RejectedPayloadOnAnotherTopic_NoConflict()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);
        var (_, issued) = await FleetApiTests.PutModeAsync(cloud, "cam-2", DegradationModes.Normal);

        var rejection = new RejectedPayload("inspection/v1/devices/cam-2/other", "payload is empty", DateTimeOffset.UtcNow);
        await device.PublishAsync(MqttTopics.Reported("cam-2"), MqttPayloads.Serialize(TestDevices.Reported("cam-2", issued!.Version) with { LastRejected = rejection }));
        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-2" && d.Reported?.LastRejected is not null));

        Assert.Null(Assert.Single(fleet.Devices).Conflict);
    }

    [Fact]
    public async Task Fleet_IssuedStateNotAppliedWithinTheGrace_ConflictUntilTheDeviceReportsIt()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Control:ConflictGraceSeconds=1"]);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);
        await device.PublishAsync(MqttTopics.Reported("cam-3"), MqttPayloads.Serialize(TestDevices.Reported("cam-3")));
        var (_, issued) = await FleetApiTests.PutModeAsync(cloud, "cam-3", DegradationModes.LocalOnly);

        var late = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-3" && d.Conflict is not null));
        Assert.Matches(@"^desired version 1 not applied \d+ s after it was issued \(the device reports version 0\)$", Assert.Single(late.Devices).Conflict);

        await device.PublishAsync(MqttTopics.Reported("cam-3"), MqttPayloads.Serialize(TestDevices.Reported("cam-3", issued!.Version)));
        var applied = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-3" && d.AppliedDesiredVersion == issued.Version));
        Assert.Null(Assert.Single(applied.Devices).Conflict);
    }
}
