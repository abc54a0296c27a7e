using Inspection.Contracts.Mqtt;
using Inspection.Mqtt.Tests.TestSupport;
using MQTTnet;

namespace Inspection.Mqtt.Tests;

/// <summary>
/// The files 'identity mqtt' writes, enforced by the cloud's embedded broker and by a real mosquitto alike: no
/// anonymous or wrong-password client, each device only on its own topics, the cloud's account on all of them.
/// </summary>
public sealed class BrokerIdentityTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _identity;

    public BrokerIdentityTests()
    {
        _identity = _temp.Folder("identity");
        FleetIdentityFiles.Write(_identity, "cloud", ["line1-cam1", "line1-cam2"]);
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(TestBroker.Embedded)]
    [InlineData(TestBroker.Mosquitto)]
    public async Task Connect_RogueWithoutOrWithWrongCredentials_Refused(string kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, _identity, _temp.Folder("broker"));

        var (anonymous, anonymousResult) = await TestClient.TryConnectAsync(broker.Port, "probe", user: null, password: null);
        var (wrong, wrongResult) = await TestClient.TryConnectAsync(broker.Port, "probe2", "line1-cam2", "guessed");
        var (stranger, strangerResult) = await TestClient.TryConnectAsync(broker.Port, "probe3", "probe", Password("line1-cam2"));
        await using var device = await TestClient.ConnectAsync(broker.Port, "line1-cam2", "line1-cam2", Password("line1-cam2"));

        Assert.NotEqual(MqttClientConnectResultCode.Success, anonymousResult);
        Assert.NotEqual(MqttClientConnectResultCode.Success, wrongResult);
        Assert.NotEqual(MqttClientConnectResultCode.Success, strangerResult);
        Assert.False(anonymous.IsConnected || wrong.IsConnected || stranger.IsConnected);
        Assert.True(device.IsConnected);
        await anonymous.DisposeAsync();
        await wrong.DisposeAsync();
        await stranger.DisposeAsync();
    }

    [Theory]
    [InlineData(TestBroker.Embedded)]
    [InlineData(TestBroker.Mosquitto)]
    public async Task Publish_DeviceOnAnotherDevicesTopics_DroppedWhileItsOwnArrive(string kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, _identity, _temp.Folder("broker"));
        await using var cloud = await TestClient.ConnectAsync(broker.Port, "inspection-cloud", "cloud", Password("cloud"));
        await cloud.SubscribeAsync(MqttTopics.AllDevices(MqttTopics.ReportedSuffix));
        await cloud.SubscribeAsync(MqttTopics.AllDevices(MqttTopics.EventsSuffix));
        await using var listener = await TestClient.ConnectAsync(broker.Port, "line1-cam2", "line1-cam2", Password("line1-cam2"));
        await listener.SubscribeAsync(MqttTopics.Desired("line1-cam2"));
        await using var cam1 = await TestClient.ConnectAsync(broker.Port, "line1-cam1", "line1-cam1", Password("line1-cam1"));

        // Forged first, then its own: messages from one client arrive in order, so once the own ones are in, a forged
        // one that got through would be in too.
        await cam1.PublishAsync(MqttTopics.Reported("line1-cam2"), "forged-report");
        await cam1.PublishAsync(MqttTopics.Events("line1-cam2"), "forged-event");
        await cam1.PublishAsync(MqttTopics.Desired("line1-cam2"), "forged-desired", retain: true);
        await cam1.PublishAsync(MqttTopics.Events("line1-cam1"), "own-event");
        await cam1.PublishAsync(MqttTopics.Reported("line1-cam1"), "own-report");
        await Eventually.UntilAsync(() => cloud.On(MqttTopics.Reported("line1-cam1")).Contains("own-report"), "the device's own report at the cloud");

        Assert.Contains("own-event", cloud.On(MqttTopics.Events("line1-cam1")));
        Assert.Empty(cloud.On(MqttTopics.Reported("line1-cam2")));
        Assert.Empty(cloud.On(MqttTopics.Events("line1-cam2")));
        Assert.Empty(listener.On(MqttTopics.Desired("line1-cam2")));

        // Nor was the forged desired state retained for cam2 to find later.
        await using var late = await TestClient.ConnectAsync(broker.Port, "line1-cam2-late", "line1-cam2", Password("line1-cam2"));
        await late.SubscribeAsync(MqttTopics.Desired("line1-cam2"));
        await cloud.PublishAsync(MqttTopics.Desired("line1-cam2"), "from-cloud");
        await Eventually.UntilAsync(() => late.On(MqttTopics.Desired("line1-cam2")).Contains("from-cloud"), "the cloud's desired state at cam2");
        Assert.DoesNotContain("forged-desired", late.On(MqttTopics.Desired("line1-cam2")));
    }

    [Theory]
    [InlineData(TestBroker.Embedded)]
    [InlineData(TestBroker.Mosquitto)]
    public async Task Subscribe_DeviceToAnotherDevicesDesired_GetsNothingOfWhatTheCloudPublishes(string kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, _identity, _temp.Folder("broker"));
        await using var cloud = await TestClient.ConnectAsync(broker.Port, "inspection-cloud", "cloud", Password("cloud"));
        await cloud.PublishAsync(MqttTopics.Desired("line1-cam2"), "cam2-retained", retain: true);
        await using var cam1 = await TestClient.ConnectAsync(broker.Port, "line1-cam1", "line1-cam1", Password("line1-cam1"));

        await cam1.SubscribeAsync(MqttTopics.Desired("line1-cam2"));
        await cam1.SubscribeAsync(MqttTopics.AllDevices(MqttTopics.DesiredSuffix));
        await cam1.SubscribeAsync("inspection/v1/#");
        await cam1.SubscribeAsync(MqttTopics.Desired("line1-cam1"));
        await cloud.PublishAsync(MqttTopics.Desired("line1-cam2"), "cam2-live");
        await cloud.PublishAsync(MqttTopics.Desired("line1-cam1"), "cam1-live");
        await Eventually.UntilAsync(() => cam1.On(MqttTopics.Desired("line1-cam1")).Contains("cam1-live"), "cam1's own desired state");

        Assert.Empty(cam1.On(MqttTopics.Desired("line1-cam2")));
    }

    [Theory]
    [InlineData(TestBroker.Embedded)]
    [InlineData(TestBroker.Mosquitto)]
    public async Task Verdicts_DeviceReadsOnlyItsOwnAndPublishesNone(string kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, _identity, _temp.Folder("broker"));
        await using var cloud = await TestClient.ConnectAsync(broker.Port, "inspection-cloud", "cloud", Password("cloud"));
        await using var cam1 = await TestClient.ConnectAsync(broker.Port, "line1-cam1", "line1-cam1", Password("line1-cam1"));
        await using var cam2 = await TestClient.ConnectAsync(broker.Port, "line1-cam2", "line1-cam2", Password("line1-cam2"));

        var ownSubscription = await cam1.SubscribeAsync(MqttTopics.Verdicts("line1-cam1"));
        await cam1.SubscribeAsync(MqttTopics.Verdicts("line1-cam2"));
        await cam1.SubscribeAsync(MqttTopics.AllDevices(MqttTopics.VerdictsSuffix));
        await cam2.SubscribeAsync(MqttTopics.Verdicts("line1-cam2"));

        // Forged by devices first (onto the other's topic and onto its own), then the cloud's: messages from one client
        // arrive in order, so once the cloud's are in, a forged one that got through would be in too.
        var forgedOther = await cam1.PublishAsync(MqttTopics.Verdicts("line1-cam2"), "forged-by-cam1");
        var forgedOwn = await cam2.PublishAsync(MqttTopics.Verdicts("line1-cam2"), "forged-by-cam2");
        Assert.Equal(MqttClientPublishReasonCode.Success, await cloud.PublishAsync(MqttTopics.Verdicts("line1-cam2"), "v2"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await cloud.PublishAsync(MqttTopics.Verdicts("line1-cam1"), "v1"));
        await Eventually.UntilAsync(() => cam1.On(MqttTopics.Verdicts("line1-cam1")).Contains("v1") && cam2.On(MqttTopics.Verdicts("line1-cam2")).Contains("v2"), "each device's own verdict");

        Assert.True((int)ownSubscription < 0x80, ownSubscription.ToString());
        Assert.Empty(cam1.On(MqttTopics.Verdicts("line1-cam2")));
        Assert.Equal(["v2"], cam2.On(MqttTopics.Verdicts("line1-cam2")));
        if (kind == TestBroker.Embedded)
        {
            // mosquitto drops a refused QoS 1 publish silently (PUBACK success); the embedded broker says so.
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forgedOther);
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forgedOwn);
        }
    }

    [Theory]
    [InlineData(TestBroker.Embedded)]
    [InlineData(TestBroker.Mosquitto)]
    public async Task CloudAccount_ReadsEveryDeviceAndWritesEveryDesiredState(string kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, _identity, _temp.Folder("broker"));
        await using var cloud = await TestClient.ConnectAsync(broker.Port, "inspection-cloud", "cloud", Password("cloud"));
        foreach (var suffix in new[] { MqttTopics.ReportedSuffix, MqttTopics.StatusSuffix, MqttTopics.EventsSuffix, MqttTopics.OtaProgressSuffix })
        {
            Assert.True((int)await cloud.SubscribeAsync(MqttTopics.AllDevices(suffix)) < 0x80, suffix);
        }

        await using var cam1 = await TestClient.ConnectAsync(broker.Port, "line1-cam1", "line1-cam1", Password("line1-cam1"));
        await using var cam2 = await TestClient.ConnectAsync(broker.Port, "line1-cam2", "line1-cam2", Password("line1-cam2"));
        await cam1.SubscribeAsync(MqttTopics.Desired("line1-cam1"));
        await cam2.SubscribeAsync(MqttTopics.Desired("line1-cam2"));

        Assert.Equal(MqttClientPublishReasonCode.Success, await cloud.PublishAsync(MqttTopics.Desired("line1-cam1"), "d1", retain: true));
        Assert.Equal(MqttClientPublishReasonCode.Success, await cloud.PublishAsync(MqttTopics.Desired("line1-cam2"), "d2", retain: true));
        await cam1.PublishAsync(MqttTopics.Status("line1-cam1"), "s1");
        await cam2.PublishAsync(MqttTopics.OtaProgress("line1-cam2"), "p2");

        await Eventually.UntilAsync(() => cam1.On(MqttTopics.Desired("line1-cam1")).Contains("d1") && cam2.On(MqttTopics.Desired("line1-cam2")).Contains("d2"), "each device's desired state");
        await Eventually.UntilAsync(() => cloud.On(MqttTopics.Status("line1-cam1")).Contains("s1") && cloud.On(MqttTopics.OtaProgress("line1-cam2")).Contains("p2"), "both devices' messages at the cloud");
    }

    private string Password(string user) =>
        File.ReadAllText(Path.Combine(_identity, user == "cloud" ? "cloud" : Path.Combine("devices", user), "mqtt-password")).Trim();
}
