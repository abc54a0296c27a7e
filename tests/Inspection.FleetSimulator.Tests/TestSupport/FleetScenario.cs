using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.FleetSimulator.Tests.TestSupport;

/// <summary>
/// A simulated fleet against a real broker (the embedded MQTTnet one, or a given port), a package server on
/// loopback, a publisher whose key the devices trust, and the cloud: an MQTT client that publishes desired states as
/// the cloud does (retained, QoS 1) and records everything the devices publish.
/// </summary>
internal sealed class FleetScenario : IAsyncDisposable
{
    /// <summary>Bounds a wait for a fleet to converge; only a failure takes this long.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _temp;
    private readonly EmbeddedBroker? _broker;
    private long _desiredVersion;

    private FleetScenario(TempDirectory temp, EmbeddedBroker? broker, int brokerPort, PackageServer server, MqttObserver cloud)
    {
        _temp = temp;
        _broker = broker;
        BrokerPort = brokerPort;
        Server = server;
        Cloud = cloud;
        Publisher = new Publisher(temp.Folder("publisher"), server);
        Control = ControlKey.Create(temp.Folder("control-keys"));
    }

    /// <summary>The cloud's control key: it signs the desired states; every device pins its public half.</summary>
    public ControlKey Control { get; }

    public int BrokerPort { get; }

    public PackageServer Server { get; }

    public Publisher Publisher { get; }

    /// <summary>The cloud's side of the broker: what the devices published, in order.</summary>
    public MqttObserver Cloud { get; }

    public SimulatedFleet? Fleet { get; private set; }

    public string DataFolder => Path.Combine(_temp.Path, "fleet");

    /// <summary>A scenario on the embedded broker, or on the broker at <paramref name="brokerPort"/>.</summary>
    public static async Task<FleetScenario> StartAsync(int? brokerPort = null)
    {
        var temp = new TempDirectory();
        var broker = brokerPort is null ? await EmbeddedBroker.LaunchAsync() : null;
        var port = brokerPort ?? broker!.Port;
        var server = await PackageServer.StartAsync(temp.Folder("served"));
        var cloud = await MqttObserver.ConnectAsync(port);
        return new FleetScenario(temp, broker, port, server, cloud);
    }

    /// <summary>Options for <paramref name="devices"/> devices on this scenario's broker, keys and data, with short steps.</summary>
    public FleetOptions Options(int devices) => new()
    {
        Devices = devices,
        BrokerPort = BrokerPort,
        TrustedKeys = Publisher.TrustFolder,
        ControlKeys = Control.TrustFolder,
        Data = DataFolder,
        Fps = 50,
        LoadMs = 50,
        GoldenMs = 50,
        ShadowMs = 300,
        HealthMs = 300,
        ReportSeconds = 1,
    };

    public async Task<SimulatedFleet> StartFleetAsync(FleetOptions options)
    {
        Fleet = await SimulatedFleet.StartAsync(options, logging: null, TestContext.Current.CancellationToken);
        return Fleet;
    }

    public async Task StopFleetAsync()
    {
        if (Fleet is { } fleet)
        {
            Fleet = null;
            await fleet.DisposeAsync();
        }
    }

    /// <summary>Publishes, for each device, a newer desired state naming <paramref name="target"/>.</summary>
    public async Task DesireAsync(ModelTarget target, IEnumerable<string> deviceIds)
    {
        foreach (var id in deviceIds)
        {
            var desired = new DesiredState(MqttPayloads.SchemaVersion, Interlocked.Increment(ref _desiredVersion), DegradationModes.Normal, TimeProvider.System.GetUtcNow(), "fleet-test", target, DeviceId: id);
            await Cloud.PublishAsync(MqttTopics.Desired(id), Control.Sign(desired));
        }
    }

    /// <summary>Every OTA step the device published, in order.</summary>
    public List<OtaProgress> ProgressOf(string deviceId) =>
        [.. Cloud.PayloadsOn(MqttTopics.OtaProgress(deviceId)).Select(p => MqttPayloads.TryParseOtaProgress(Encoding.UTF8.GetBytes(p), out var progress, out _) ? progress : null).OfType<OtaProgress>()];

    /// <summary>The OTA states the device went through, each run of one state once, in order.</summary>
    public List<string> StatesOf(string deviceId) =>
        ProgressOf(deviceId).Select(p => p.State).Aggregate(new List<string>(), (states, state) =>
        {
            if (states.Count == 0 || states[^1] != state)
            {
                states.Add(state);
            }

            return states;
        });

    /// <summary>The device's latest reported state, or null before its first.</summary>
    public ReportedState? Reported(string deviceId) => ReportedStates(deviceId).LastOrDefault();

    public List<ReportedState> ReportedStates(string deviceId) =>
        [.. Cloud.PayloadsOn(MqttTopics.Reported(deviceId)).Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var state, out _) ? state : null).OfType<ReportedState>()];

    /// <summary>Every online/offline status the device (or the broker, for its last will) published, in order.</summary>
    public List<DeviceStatus> StatusesOf(string deviceId) =>
        [.. Cloud.PayloadsOn(MqttTopics.Status(deviceId)).Select(p => MqttPayloads.TryParseStatus(Encoding.UTF8.GetBytes(p), out var status, out _) ? status : null).OfType<DeviceStatus>()];

    /// <summary>Waits until every one of <paramref name="deviceIds"/> has ended its update to <paramref name="release"/>.</summary>
    public Task AllEndedAsync(IEnumerable<string> deviceIds, long release)
    {
        var ids = deviceIds.ToList();
        return Eventually.UntilAsync(
            () => ids.All(id => ProgressOf(id).Any(p => p.Release == release && OtaStates.IsFinal(p.State))),
            $"{ids.Count} devices to end the update to release {release} (still running: {string.Join(", ", ids.Where(id => !ProgressOf(id).Any(p => OtaStates.IsFinal(p.State))).Take(10))})",
            Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await StopFleetAsync();
        await Cloud.DisposeAsync();
        await Server.DisposeAsync();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Publisher.Dispose();
        Control.Dispose();
        _temp.Dispose();
    }
}
