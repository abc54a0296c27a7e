using System.Buffers;
using System.Net;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Mqtt;
using MQTTnet.Server;

namespace Inspection.CloudInference.Tests.Fleet;

public sealed class FleetConnectionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ExternalBrokerRestarts_ReconnectsResubscribesAndRepublishesDesired()
    {
        // The cloud is told the port before the broker exists: a candidate, not a bound port.
        var port = LoopbackPort.Candidate();
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={port}"]);
        var broker = await StartBrokerAsync(port);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await FleetApiTests.PutModeAsync(cloud, "cam-1", DegradationModes.LocalOnly);

        // The broker goes away and comes back empty: no sessions, no retained messages.
        await broker.StopAsync(new MqttServerStopOptions());
        broker.Dispose();
        await FleetApiTests.PollFleetAsync(cloud, f => !f.BrokerConnected);
        using var restarted = await StartBrokerAsync(port);
        await FleetApiTests.WaitForBrokerAsync(cloud);

        await using var device = await TestMqttClient.ConnectAsync(port);
        await device.PublishAsync(MqttTopics.Reported("cam-1"), MqttPayloads.Serialize(TestDevices.Reported("cam-1", appliedVersion: 1)));
        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported is not null));
        Assert.Equal(1, fleet.Devices.Single().AppliedDesiredVersion);

        var retained = await restarted.GetRetainedMessagesAsync();
        var desired = Assert.Single(retained, m => m.Topic == MqttTopics.Desired("cam-1"));
        Assert.True(DesiredStateSignature.TryReadUnverified(desired.Payload.ToArray(), out var state, out var error), error);
        Assert.Equal(1, state.Version);
        await restarted.StopAsync(new MqttServerStopOptions());
    }

    private static async Task<MqttServer> StartBrokerAsync(int port)
    {
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithDefaultEndpointReuseAddress()
            .Build();
        var server = factory.CreateMqttServer(options);
        await server.StartAsync();
        return server;
    }
}
