using System.Globalization;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Ota;
using Inspection.FleetSimulator.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.FleetSimulator.Devices;

/// <summary>
/// One simulated device: a host of its own built from the agent's registrations for control and model updates
/// (<see cref="EdgeAgentExtensions.AddEdgeControl"/>): its device state, its MQTT client (client id = device id, last
/// will, retained reported state, desired-state subscription, OTA progress), its model update worker with the real
/// download and verification, its own LiteDB file and models folder. Only inference is simulated
/// (<see cref="SimulatedModelSwitch"/>, <see cref="SyntheticLine"/>). A device with the offline fault connects to the
/// broker through a <see cref="BrokerLink"/> it cuts when the fault strikes.
/// </summary>
public sealed partial class SimulatedDevice : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly BrokerLink? _link;
    private readonly OtaProgressFeed _feed;
    private readonly MqttControlWorker _mqtt;
    private readonly EdgeStats _stats;
    private readonly IModelSwitch _models;
    private readonly CommittedModelFile _committed;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _offlineSeconds;
    private int _droppedOff;

    private SimulatedDevice(string id, string line, DeviceFault fault, string folder, int offlineSeconds, IHost host, BrokerLink? link)
    {
        Id = id;
        Line = line;
        Fault = fault;
        Folder = folder;
        _offlineSeconds = offlineSeconds;
        _host = host;
        _link = link;
        var services = host.Services;
        _feed = services.GetRequiredService<OtaProgressFeed>();
        _mqtt = services.GetServices<IHostedService>().OfType<MqttControlWorker>().Single();
        _stats = services.GetRequiredService<EdgeStats>();
        _models = services.GetRequiredService<IModelSwitch>();
        _committed = services.GetRequiredService<CommittedModelFile>();
        _time = services.GetRequiredService<TimeProvider>();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Inspection.FleetSimulator.Fault");
        _feed.Published += OnProgress;
    }

    public string Id { get; }

    public string Line { get; }

    public DeviceFault Fault { get; }

    /// <summary>The device's folder: its database (<c>edge.db</c>) and models (<c>models/</c>).</summary>
    public string Folder { get; }

    /// <summary>Whether its MQTT client is connected to the broker now.</summary>
    public bool IsOnline => _mqtt.IsConnected;

    /// <summary>Builds device <paramref name="number"/> of the fleet; <see cref="StartAsync"/> starts it.</summary>
    internal static SimulatedDevice Create(int number, DeviceFault fault, FleetOptions options, ILoggerFactory logging)
    {
        var id = options.DeviceId(number);
        var line = options.LineId(number);
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetFullPath(options.Data), id)).FullName;
        var link = fault == DeviceFault.Offline ? new BrokerLink(options.BrokerHost, options.BrokerPort) : null;
        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
            {
                ContentRootPath = folder,
                EnvironmentName = Environments.Production,
            });
            builder.Configuration.AddInMemoryCollection(Settings(id, line, folder, options, link));
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(new DeviceLoggerProvider(id, logging));
            var services = builder.Services;
            services.AddSingleton<IHostLifetime, DeviceHostLifetime>();
            services.AddSingleton(new DeviceProfile(number, fault, options));
            services.AddSingleton<SimulatedModelSwitch>();
            services.AddSingleton<IModelSwitch>(static sp => sp.GetRequiredService<SimulatedModelSwitch>());
            services.AddHostedService<SyntheticLine>();
            builder.AddEdgeControl();
            return new SimulatedDevice(id, line, fault, folder, options.OfflineSeconds, builder.Build(), link);
        }
        catch
        {
            link?.Dispose();
            throw;
        }
    }

    /// <summary>The device as it sees itself now.</summary>
    public DeviceSnapshot Snapshot() => new(
        Id,
        Line,
        Fault,
        IsOnline,
        _models.Running?.Model,
        _feed.Latest,
        _stats.Frames,
        _stats.Pass,
        _stats.Defect,
        _stats.Uncertain);

    internal Task StartAsync(CancellationToken cancellationToken) => _host.StartAsync(cancellationToken);

    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _host.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _feed.Published -= OnProgress;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_host is IAsyncDisposable host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _host.Dispose();
        }

        _link?.Dispose();
        _stopping.Dispose();
    }

    private static Dictionary<string, string?> Settings(string id, string line, string folder, FleetOptions options, BrokerLink? link)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Edge:DeviceId"] = id,
            ["Edge:LineId"] = line,
            ["Storage:Path"] = Path.Combine(folder, "edge.db"),
            ["Mqtt:Host"] = link is null ? options.BrokerHost : "127.0.0.1",
            ["Mqtt:Port"] = (link?.Port ?? options.BrokerPort).ToString(CultureInfo.InvariantCulture),
            ["Reporting:IntervalSeconds"] = options.ReportSeconds.ToString(CultureInfo.InvariantCulture),
            ["Ota:TrustedKeysPath"] = Path.GetFullPath(options.TrustedKeys),
            ["Control:TrustedKeysPath"] = Path.GetFullPath(options.ControlKeys),
            ["Ota:ModelsPath"] = Path.Combine(folder, "models"),
        };
        for (var i = 0; i < options.Tags.Count; i++)
        {
            settings[$"Edge:Tags:{i}"] = options.Tags[i];
        }

        return settings;
    }

    /// <summary>Runs on the update worker's thread as it reports a step, before it goes on: where the faults strike.</summary>
    private void OnProgress(OtaProgress progress)
    {
        if (Fault == DeviceFault.FailVerify && progress.State == OtaStates.Verifying)
        {
            DamageStagedFiles();
        }
        else if (Fault == DeviceFault.Offline && progress.State == OtaStates.Queued && Interlocked.Exchange(ref _droppedOff, 1) == 0)
        {
            _ = DropOffAsync(_stopping.Token);
        }
    }

    /// <summary>Flips a byte in every staged file the manifest names, as a bad disk or a bit flip would.</summary>
    private void DamageStagedFiles()
    {
        // The agent stages a package in {models}/staging/{model SHA-256}/ beside its manifest.json.
        var staging = Path.Combine(_committed.ModelsFolder, "staging");
        try
        {
            foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != ModelPackage.ManifestFile))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
                var first = stream.ReadByte();
                if (first >= 0)
                {
                    stream.Position = 0;
                    stream.WriteByte((byte)(first ^ 0xFF));
                }
            }

            Log.Damaged(_logger, staging);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // This runs inside the agent's update step: a failure here must not become the agent's.
            Log.DamageFailed(_logger, staging, ex.Message);
        }
    }

    private async Task DropOffAsync(CancellationToken cancellationToken)
    {
        _link!.Cut();
        Log.DroppedOff(_logger, _offlineSeconds);
        if (_offlineSeconds == 0)
        {
            return;
        }

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(_offlineSeconds), _time, cancellationToken).ConfigureAwait(false);
            _link.Restore();
            Log.Back(_logger);
        }
        catch (OperationCanceledException)
        {
            // The device stops while away.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Fault fail-verify: damaged the staged files in {Folder}")]
        public static partial void Damaged(ILogger logger, string folder);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Fault fail-verify: could not damage the staged files in {Folder}: {Reason}")]
        public static partial void DamageFailed(ILogger logger, string folder, string reason);

        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Fault offline: dropped off the broker for {Seconds} s (0: for good)")]
        public static partial void DroppedOff(ILogger logger, int seconds);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Fault offline: back on the broker")]
        public static partial void Back(ILogger logger);
    }
}
