using System.Net;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Tests.Fleet;

/// <summary>
/// A device that applied a desired state with a high version (published by someone else on the broker, or issued by
/// a cloud whose store was reset) still takes the cloud's next command: the cloud issues above the version the
/// device reports it applied, so nothing it says is ignored as stale.
/// </summary>
public sealed class DesiredVersionTests : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private ScriptedDevice? _device;

    public async ValueTask DisposeAsync()
    {
        if (_device is not null)
        {
            await _device.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task SetMode_DeviceAppliedAHigherVersionFromElsewhere_CloudIssuesAboveItAndTheDeviceTakesIt()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        _device = await ScriptedDevice.StartAsync(cloud.BrokerPort, "cam-7");
        // Signed by an earlier cloud key (a reset store): the scripted device applies what it reads, like a device
        // that pinned that key once.
        using (var earlierKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        await using (var rogue = await TestMqttClient.ConnectAsync(cloud.BrokerPort, "probe"))
        {
            await rogue.PublishAsync(
                MqttTopics.Desired("cam-7"),
                DesiredStateSignature.Sign(new DesiredState(MqttPayloads.SchemaVersion, 7, DegradationModes.LocalOnly, DateTimeOffset.UtcNow, "rogue", DeviceId: "cam-7"), earlierKey));
        }

        await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-7" && d.AppliedDesiredVersion == 7));

        var (status, state) = await FleetApiTests.PutModeAsync(cloud, "cam-7", DegradationModes.Normal);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(8, state!.Version);
        var applied = await Eventually.WaitAsync(
            "the device to apply the cloud's state",
            _ => Task.FromResult(_device.Desired.LastOrDefault()),
            d => d?.Version == 8,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        Assert.Equal(DegradationModes.Normal, applied!.Mode);
    }
}
