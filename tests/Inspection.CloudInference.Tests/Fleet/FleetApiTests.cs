using System.Text.Json;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Tests.Fleet;

public sealed class FleetApiTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Fleet_DevicePublishesReportedAndStatus_ShownInApi()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);

        await device.PublishAsync(MqttTopics.Status("cam-1"), MqttPayloads.Serialize(TestDevices.Online("cam-1")));
        await device.PublishAsync(MqttTopics.Reported("cam-1"), MqttPayloads.Serialize(TestDevices.Reported("cam-1", mode: DegradationModes.LocalOnly)));

        var fleet = await PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-1" && d.Reported is not null && d.Online == true));
        var shown = Assert.Single(fleet.Devices);
        Assert.True(fleet.BrokerConnected);
        Assert.Equal(DegradationModes.LocalOnly, shown.Reported!.Mode);
        Assert.Equal(29.5, shown.Reported.Stats.FramesPerSecond);
        Assert.Equal(3, shown.Reported.Stats.OutboxDepth);
        Assert.Equal("inspection-edge", shown.Reported.Model.Name);
        Assert.Equal(0, shown.AppliedDesiredVersion);
        Assert.Equal(0, shown.MalformedPayloads);
        Assert.NotNull(shown.LastSeen);
    }

    [Fact]
    public async Task Fleet_MalformedPayloads_CountedPerDeviceAndValidOnesStillApplied()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        // Subscribed before publishing: a later subscriber would see only the last retained message per topic.
        await WaitForBrokerAsync(cloud);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);

        await device.PublishAsync(MqttTopics.Reported("cam-2"), Encoding.UTF8.GetBytes("this is not json"));
        await device.PublishAsync(MqttTopics.Status("cam-2"), Encoding.UTF8.GetBytes("""{"schemaVersion":9,"deviceId":"cam-2","online":true}"""));
        await device.PublishAsync(MqttTopics.Reported("cam-2"), MqttPayloads.Serialize(TestDevices.Reported("cam-3")));
        await device.PublishAsync(
            MqttTopics.Events("cam-2"),
            MqttPayloads.Serialize(new DeviceEvent(MqttPayloads.SchemaVersion, "cam-2", "started", "agent started", TestDevices.At)),
            retain: false);

        var fleet = await PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-2" && d.LastEvents.Count == 1));
        var shown = Assert.Single(fleet.Devices);
        Assert.Equal(3, shown.MalformedPayloads);
        Assert.Contains("does not match", shown.LastMalformed!.Error);
        Assert.Equal(MqttTopics.Reported("cam-2"), shown.LastMalformed.Topic);
        Assert.Null(shown.Reported);
        Assert.Equal("started", shown.LastEvents[0].Type);

        // Still alive and reading: a valid report after the garbage is applied.
        await device.PublishAsync(MqttTopics.Reported("cam-2"), MqttPayloads.Serialize(TestDevices.Reported("cam-2")));
        await PollFleetAsync(cloud, f => f.Devices.Single().Reported is not null);
    }

    [Fact]
    public async Task SetMode_ValidRequests_PublishRetainedDesiredWithGrowingVersion()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await WaitForBrokerAsync(cloud);

        var first = await PutModeAsync(cloud, "cam-1", DegradationModes.LocalOnly);
        var second = await PutModeAsync(cloud, "cam-1", DegradationModes.Normal);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(1, first.State!.Version);
        Assert.Equal(2, second.State!.Version);
        Assert.Equal(TestCloud.AdminName, second.State.IssuedBy);

        // A device connecting later gets the latest desired state from the broker's retained store.
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);
        await device.SubscribeAsync(MqttTopics.Desired("cam-1"));
        var desired = await ReadRetainedDesiredAsync(device, "cam-1", 2);
        Assert.Equal(DegradationModes.Normal, desired.Mode);
        Assert.Equal(MqttPayloads.SchemaVersion, desired.SchemaVersion);

        var fleet = await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", TestContext.Current.CancellationToken);
        var shown = Assert.Single(fleet!.Devices);
        Assert.Equal(2, shown.DesiredVersion);
        Assert.Equal(DegradationModes.Normal, shown.DesiredMode);
    }

    [Fact]
    public async Task SetMode_ConcurrentCommands_RetainedStateIsTheLatestVersion()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await WaitForBrokerAsync(cloud);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            PutModeAsync(cloud, "cam-5", i % 2 == 0 ? DegradationModes.LocalOnly : DegradationModes.Normal)));

        Assert.Equal(Enumerable.Range(1, 10).Select(v => (long)v), results.Select(r => r.State!.Version).Order());
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);
        await device.SubscribeAsync(MqttTopics.Desired("cam-5"));
        var desired = await ReadRetainedDesiredAsync(device, "cam-5", 10);
        Assert.Equal(results.Single(r => r.State!.Version == 10).State!.Mode, desired.Mode);
    }

    [Fact]
    public async Task SetMode_AfterRestart_VersionKeepsGrowingAndDesiredIsRepublished()
    {
        await using (var first = await TestCloud.StartAsync(_directory.Path))
        {
            await WaitForBrokerAsync(first);
            Assert.Equal(1, (await PutModeAsync(first, "cam-9", DegradationModes.LocalOnly)).State!.Version);
        }

        // A new embedded broker starts empty; the cloud restores the retained desired state on connect.
        await using var second = await TestCloud.StartAsync(_directory.Path);
        await WaitForBrokerAsync(second);
        await using var device = await TestMqttClient.ConnectAsync(second.BrokerPort);
        await device.SubscribeAsync(MqttTopics.Desired("cam-9"));
        var restored = await ReadRetainedDesiredAsync(device, "cam-9", 1);
        Assert.Equal(DegradationModes.LocalOnly, restored.Mode);

        var next = await PutModeAsync(second, "cam-9", DegradationModes.Normal);
        Assert.Equal(2, next.State!.Version);
    }

    [Fact]
    public async Task SetMode_ClaimedIssuerInTheBody_RecordsTheSignedInAccount()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await WaitForBrokerAsync(cloud);
        var cancellationToken = TestContext.Current.CancellationToken;

        // What an older client sends: a name of its choosing beside the mode.
        using var content = new StringContent("""{"mode":"local-only","issuedBy":"mallory"}""", Encoding.UTF8, "application/json");
        using var response = await cloud.ClientAs(AccountRoles.Engineer).PutAsync("api/devices/cam-1/desired-mode", content, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("test-engineer", (await response.Content.ReadFromJsonAsync<DesiredState>(cancellationToken))!.IssuedBy);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);
        await device.SubscribeAsync(MqttTopics.Desired("cam-1"));
        var published = await ReadRetainedDesiredAsync(device, "cam-1", 1);
        Assert.Equal((DegradationModes.LocalOnly, "test-engineer"), (published.Mode, published.IssuedBy));
    }

    [Theory]
    [InlineData("cam-1", """{"mode":"offline","issuedBy":"alice"}""", "unknown mode 'offline'")]
    [InlineData("cam-1", """{"issuedBy":"alice"}""", "mode is required")]
    [InlineData("cam+1", """{"mode":"normal"}""", "device id 'cam+1' is not valid")]
    public async Task SetMode_BadRequest_Returns400WithClearMessageAndPublishesNothing(string deviceId, string body, string expected)
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var cancellationToken = TestContext.Current.CancellationToken;

        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await cloud.Http.PutAsync($"api/devices/{Uri.EscapeDataString(deviceId)}/desired-mode", content, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<ApiError>(cancellationToken);
        Assert.Contains(expected, error!.Error);
        var fleet = await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", cancellationToken);
        Assert.Empty(fleet!.Devices);
    }

    [Fact]
    public async Task SetMode_BrokerUnreachable_StoredAnd202ThenPublishedOnConnect()
    {
        // The cloud is told the port before the broker exists: a candidate, not a bound port.
        var brokerPort = LoopbackPort.Candidate();
        await using var cloud = await TestCloud.StartAsync(
            _directory.Path, ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={brokerPort}"]);

        var queued = await PutModeAsync(cloud, "cam-4", DegradationModes.LocalOnly);
        Assert.Equal(HttpStatusCode.Accepted, queued.Status);
        Assert.Equal(1, queued.State!.Version);

        // An external broker comes up later: the cloud connects and publishes what it stored.
        var factory = new MQTTnet.Server.MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder().WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(brokerPort).Build();
        using var broker = factory.CreateMqttServer(options);
        await broker.StartAsync();
        await WaitForBrokerAsync(cloud);
        await using var device = await TestMqttClient.ConnectAsync(brokerPort);
        await device.SubscribeAsync(MqttTopics.Desired("cam-4"));
        var desired = await ReadRetainedDesiredAsync(device, "cam-4", 1);
        Assert.Equal(DegradationModes.LocalOnly, desired.Mode);
        await broker.StopAsync(new MQTTnet.Server.MqttServerStopOptions());
    }

    internal static async Task<(HttpStatusCode Status, DesiredState? State)> PutModeAsync(TestCloud cloud, string deviceId, string mode)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var response = await cloud.Http.PutAsJsonAsync(
            $"api/devices/{deviceId}/desired-mode", new SetModeRequest(mode), cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"PUT desired-mode answered {(int)response.StatusCode}");
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<DesiredState>(cancellationToken));
    }

    internal static async Task<FleetSnapshot> PollFleetAsync(TestCloud cloud, Func<FleetSnapshot, bool> done) =>
        (await Eventually.WaitAsync(
            "the fleet view",
            async ct =>
            {
                var json = await cloud.Http.GetStringAsync("api/fleet", ct);
                return new FleetObservation(JsonSerializer.Deserialize<FleetSnapshot>(json, JsonSerializerOptions.Web)!, json);
            },
            o => done(o.Snapshot),
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken)).Snapshot;

    // A failed wait shows the fleet as the API gave it, not a record's type names.
    private sealed record FleetObservation(FleetSnapshot Snapshot, string Json)
    {
        public override string ToString() => Json;
    }

    internal static Task WaitForBrokerAsync(TestCloud cloud) => PollFleetAsync(cloud, f => f.BrokerConnected);

    private static async Task<DesiredState> ReadRetainedDesiredAsync(TestMqttClient device, string deviceId, long version)
    {
        var received = await Eventually.WaitAsync(
            $"desired state version {version} of {deviceId}",
            _ => Task.FromResult(device.Received.Where(m => m.Topic == MqttTopics.Desired(deviceId)).ToList()),
            messages => messages.Count > 0 && DesiredStateSignature.TryReadUnverified(messages[^1].Payload, out var s, out _) && s.Version == version,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        var last = received[^1];
        Assert.True(last.Retained);
        Assert.True(DesiredStateSignature.TryReadUnverified(last.Payload, out var state, out var error), error);
        return state;
    }
}
