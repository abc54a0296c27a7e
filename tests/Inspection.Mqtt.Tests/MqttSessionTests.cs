using System.Collections.Concurrent;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.Mqtt.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.Mqtt.Tests;

/// <summary>The session owner against brokers that require the device's identity: persistent sessions, reconnects.</summary>
public sealed class MqttSessionTests : IDisposable
{
    private const string Device = "line1-cam1";
    private readonly TempDirectory _temp = new();
    private readonly string _identity;

    public MqttSessionTests()
    {
        _identity = _temp.Folder("identity");
        FleetIdentityFiles.Write(_identity, "cloud", [Device]);
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(TestBroker.Embedded, false)]
    [InlineData(TestBroker.Mosquitto, false)]
    [InlineData(TestBroker.Mosquitto, true)]
    public async Task RunAsync_CommandPublishedWhileTheDeviceIsOffline_ArrivesWhenItReconnects(string kind, bool restartBroker)
    {
        await using var broker = await TestBroker.StartAsync(kind, _identity, _temp.Folder("broker"));
        await using (var first = await DeviceSession.StartAsync(this, broker.Port))
        {
            await Eventually.UntilAsync(() => first.Session.IsReady, "the device's first session");
        }

        // Not retained: only the broker's persistent session can carry it to the device.
        await using (var cloud = await TestClient.ConnectAsync(broker.Port, "inspection-cloud", "cloud", CloudPassword()))
        {
            await cloud.PublishAsync(MqttTopics.Desired(Device), "while-offline");
        }

        if (restartBroker)
        {
            await broker.StopAsync();
            await broker.StartAsync();
        }

        await using var second = await DeviceSession.StartAsync(this, broker.Port);
        await Eventually.UntilAsync(() => second.Received.Contains("while-offline"), $"the queued command to reach the device; broker output: {broker.Output}");
    }

    [Theory]
    [InlineData(TestBroker.Embedded)]
    [InlineData(TestBroker.Mosquitto)]
    public async Task RunAsync_BrokerRestarts_ReconnectsResubscribesAndAnnouncesAgain(string kind)
    {
        await using var broker = await TestBroker.StartAsync(kind, _identity, _temp.Folder("broker"));
        await using var device = await DeviceSession.StartAsync(this, broker.Port);
        await Eventually.UntilAsync(() => device.Connects == 1 && device.Session.IsReady, "the first connect");

        await broker.StopAsync();
        await Eventually.UntilAsync(() => !device.Session.IsConnected, "the session to notice the broker is gone");
        await broker.StartAsync();

        await Eventually.UntilAsync(() => device.Connects == 2 && device.Session.IsReady, "a reconnect");
        await using var cloud = await TestClient.ConnectAsync(broker.Port, "inspection-cloud-2", "cloud", CloudPassword());
        await cloud.SubscribeAsync(MqttTopics.AllDevices(MqttTopics.StatusSuffix));
        await Eventually.UntilAsync(() => cloud.On(MqttTopics.Status(Device)).Contains("online-2"), "the status announced after the reconnect");
        await cloud.PublishAsync(MqttTopics.Desired(Device), "after-restart");
        await Eventually.UntilAsync(() => device.Received.Contains("after-restart"), "a command after the restart (re-subscribed)");
    }

    private string CloudPassword() => File.ReadAllText(Path.Combine(_identity, "cloud", "mqtt-password")).Trim();

    /// <summary>A device's session as the agent runs it: its identity, its desired topic, an announcement per connect.</summary>
    private sealed class DeviceSession : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;
        private int _connects;

        private DeviceSession()
        {
        }

        public MqttSession Session { get; private set; } = null!;

        public ConcurrentQueue<string> Received { get; } = new();

        public int Connects => Volatile.Read(ref _connects);

        public static Task<DeviceSession> StartAsync(MqttSessionTests test, int port)
        {
            var device = new DeviceSession();
            var settings = new MqttSessionSettings
            {
                Host = "127.0.0.1",
                Port = port,
                ClientId = Device,
                Username = Device,
                Password = MqttCredentials.ResolvePassword(null, Path.Combine(test._identity, "devices", Device, "mqtt-password"), "Mqtt"),
                SessionExpirySeconds = 3600,
                ReconnectDelay = TimeSpan.FromMilliseconds(200),
                Subscriptions = [MqttTopics.Desired(Device)],
            };
            device.Session = new MqttSession(
                settings,
                m => device.Received.Enqueue(Encoding.UTF8.GetString(m.Payload)),
                async ct =>
                {
                    var n = Interlocked.Increment(ref device._connects);
                    await device.Session.PublishAsync(MqttTopics.Status(Device), Encoding.UTF8.GetBytes($"online-{n}"), retain: true, ct);
                },
                TimeProvider.System,
                NullLogger.Instance);
            device._run = device.Session.RunAsync((_, _) => Task.FromResult(TimeSpan.MaxValue), device._stop.Token);
            return Task.FromResult(device);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run;
            await Session.StopAsync(farewell: null, CancellationToken.None);
            Session.Dispose();
            _stop.Dispose();
        }
    }
}
