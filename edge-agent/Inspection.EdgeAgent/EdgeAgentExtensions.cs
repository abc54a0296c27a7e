using System.Diagnostics.Metrics;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.Detection;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Parts;
using Inspection.Detection.Parts;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent;

/// <summary>Composition of the edge agent.</summary>
public static class EdgeAgentExtensions
{
    /// <summary>
    /// Environment variable naming an extra JSON configuration file (the device's settings, e.g.
    /// <c>/etc/inspection/edge-agent.json</c>). It overrides appsettings.json; environment variables and
    /// the command line still override it.
    /// </summary>
    public const string ConfigFileVariable = "INSPECTION_EDGE_CONFIG";

    /// <summary>
    /// How long the host waits for its services when asked to stop (SIGTERM) before it closes the database and exits
    /// anyway: below the unit's <c>TimeoutStopSec=20s</c>, after which systemd kills the process. A capture read or an
    /// inference that never returns is reached by no cancellation, and would otherwise hold the stop for the host's
    /// default of 30 s.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Registers the whole agent: inspection (<see cref="AddEdgeInspection"/>), then control and model updates
    /// (<see cref="AddEdgeControl"/>), options validated at start. Hosted services start in this order: model load and
    /// warm-up first, so the host reports ready only with a warm model.
    /// </summary>
    public static HostApplicationBuilder AddEdgeAgent(this HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddDeviceConfigFile(builder.Configuration, Environment.GetEnvironmentVariable(ConfigFileVariable));
        builder.Services.Configure<HostOptions>(static options => options.ShutdownTimeout = ShutdownTimeout);
        builder.AddEdgeInspection();
        builder.AddEdgeControl();
        builder.AddEdgeTelemetry();
        return builder;
    }

    /// <summary>
    /// Registers inspection: capture, the detector, the active model (which is also the device's
    /// <see cref="IModelSwitch"/>), the inspection loop and the outbox forwarder. The model is loaded and warm before the
    /// inspection loop starts and before the host reports ready.
    /// </summary>
    public static IHostApplicationBuilder AddEdgeInspection(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;
        AddOptions<CaptureOptions>(services, configuration, CaptureOptions.SectionName);
        AddOptions<DetectorOptions>(services, configuration, DetectorOptions.SectionName);

        AddOptions<DecisionOptions>(services, configuration, DecisionOptions.SectionName);
        services.AddOptions<DecisionOptions>().Validate<IOptions<DetectorOptions>>(
            static (decision, detector) => detector.Value.ScoreThreshold <= decision.Lower,
            "Detector:ScoreThreshold must not be above Decision:Lower: detections below the score threshold are dropped, so frames in the uncertain band would pass unseen.");
        AddOptions<CloudOptions>(services, configuration, CloudOptions.SectionName);
        AddCloudTls(services, configuration);
        services.AddSingleton<IValidateOptions<CloudOptions>, ProductionTransport>();
        AddOptions<DegradationOptions>(services, configuration, DegradationOptions.SectionName);
        AddOptions<PartsOptions>(services, configuration, PartsOptions.SectionName);
        AddOptions<PartTrackerOptions>(services, configuration, PartTrackerOptions.SectionName);

        services.TryAddSingleton(TimeProvider.System);

        // AddSystemd registers the notifier only under systemd; the watchdog asks for one either way.
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddSingleton<SystemdWatchdog>(sp => new SystemdWatchdog(sp.GetRequiredService<ISystemdNotifier>(), sp.GetRequiredService<TimeProvider>()));

        services.AddSingleton<SequenceCounter>();
        services.AddSingleton<ResultStore>();

        services.AddSingleton<DetectorFactory>(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger<OnnxDetector>();
            return options => OnnxDetector.Load(options, logger);
        });
        services.AddSingleton<FramePacer>();
        services.AddSingleton<ActiveModel>();
        services.AddSingleton<IModelSwitch>(static sp => sp.GetRequiredService<ActiveModel>());
        services.AddSingleton<FrameSourceFactory>();
        services.AddSingleton<InspectionDegradation>();
        services.AddSingleton<PartInspector>();
        services.AddSingleton<FrameInspector>();

        // One channel for the process: it multiplexes every call over its HTTP/2 connection (one per replica).
        services.AddSingleton(static sp => CloudChannel.Create(
            sp.GetRequiredService<IOptions<CloudOptions>>().Value,
            sp.GetRequiredService<IOptions<DegradationOptions>>().Value,
            sp.GetRequiredService<CloudTls>()));
        services.AddSingleton(sp => new Escalation.EscalationClient(sp.GetRequiredService<GrpcChannel>()));
        services.AddSingleton(sp => new Health.HealthClient(sp.GetRequiredService<GrpcChannel>()));

        services.AddHostedService(static sp => sp.GetRequiredService<ActiveModel>());
        services.AddHostedService<InspectionWorker>();
        services.AddHostedService<OutboxForwarder>();
        return builder;
    }

    /// <summary>
    /// Registers what makes the device a member of the fleet besides inspecting: who it is, its database, its state,
    /// MQTT control (desired and reported state, last will, OTA progress) and model updates. The
    /// <see cref="IModelSwitch"/> the updates load models through comes from the caller: the active model
    /// (<see cref="AddEdgeInspection"/>), or the fleet simulator's.
    /// </summary>
    public static IHostApplicationBuilder AddEdgeControl(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;
        AddOptions<EdgeOptions>(services, configuration, EdgeOptions.SectionName);
        AddOptions<StorageOptions>(services, configuration, StorageOptions.SectionName);
        AddOptions<MqttOptions>(services, configuration, MqttOptions.SectionName);
        AddOptions<ReportingOptions>(services, configuration, ReportingOptions.SectionName);
        AddOptions<OtaOptions>(services, configuration, OtaOptions.SectionName);
        AddOptions<OutboxOptions>(services, configuration, OutboxOptions.SectionName);
        AddOptions<ControlOptions>(services, configuration, ControlOptions.SectionName);

        services.TryAddSingleton(TimeProvider.System);
        // The counters are the meter's instruments; the outbox depth gauge reads the outbox's own totals.
        services.AddMetrics();
        services.AddSingleton(static sp => new EdgeStats(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<OutboxStore>()));

        services.AddSingleton<EdgeDatabase>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<ControlStateStore>();
        services.AddSingleton<DeviceState>();
        services.AddSingleton<DeviceEvents>();
        // Keys are read when the control worker is built, at host start: a device without one refuses to start.
        services.AddSingleton(static sp => new DesiredStateVerifier(
            DesiredStateVerifier.LoadKeys(Path.GetFullPath(
                sp.GetRequiredService<IOptions<ControlOptions>>().Value.TrustedKeysPath,
                sp.GetRequiredService<IHostEnvironment>().ContentRootPath)),
            sp.GetRequiredService<DeviceState>(),
            sp.GetRequiredService<IOptions<EdgeOptions>>().Value.DeviceId));
        services.AddSingleton<ForwardingState>();
        services.AddSingleton<ReportedStateBuilder>();
        services.AddSingleton<OutboxEvictionReporter>();
        services.AddSingleton<OutboxPressureMonitor>();

        services.AddSingleton<CommittedModelFile>();
        services.AddSingleton<UpdateStore>();
        services.AddSingleton<OtaProgressFeed>();
        // Its own client, disposed with the host; deadlines are per request (PackageDownloader), not per client.
        // Packages come from the cloud's mTLS endpoint (Cloud:Models:PublicBaseUrl) with the same device certificate.
        AddCloudTls(services, configuration);
        services.AddKeyedSingleton(PackageDownloader.HttpClientKey, static (sp, _) =>
            new HttpClient(sp.GetRequiredService<CloudTls>().CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan });
        services.AddSingleton<PackageDownloader>();

        services.AddSingleton<DesiredStateHandler>();
        services.AddSingleton<ReviewVerdictStore>();
        services.AddSingleton<ReviewVerdictHandler>();
        services.AddHostedService<OutboxQuotaWorker>();
        services.AddHostedService<MqttControlWorker>();
        services.AddHostedService<ModelUpdateWorker>();

        AddOptions<AgentUpdateOptions>(services, configuration, AgentUpdateOptions.SectionName);
        services.AddSingleton(AgentUpdateStoreOf);
        services.AddHostedService<AgentUpdateWorker>();
        return builder;
    }

    /// <summary>
    /// Registers the updater (<see cref="AgentUpdateCommand"/>): the same configuration as the agent (the device's
    /// file, environment, command line), its <c>AgentUpdate</c> and <c>Ota</c> sections validated, systemd as the
    /// service manager.
    /// </summary>
    public static HostApplicationBuilder AddAgentUpdater(this HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddDeviceConfigFile(builder.Configuration, Environment.GetEnvironmentVariable(ConfigFileVariable));
        var services = builder.Services;
        AddOptions<AgentUpdateOptions>(services, builder.Configuration, AgentUpdateOptions.SectionName);
        AddOptions<OtaOptions>(services, builder.Configuration, OtaOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(AgentUpdateStoreOf);
        services.AddSingleton<IAgentService>(static sp => new SystemdAgentService(sp.GetRequiredService<IOptions<AgentUpdateOptions>>().Value.ServiceName, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentUpdateOptions>>().Value;
            var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
            return new AgentUpdater(
                new AgentReleases(Path.GetFullPath(options.InstallPath, root), options.LinkName),
                sp.GetRequiredService<AgentUpdateStore>(),
                sp.GetRequiredService<IAgentService>(),
                Path.GetFullPath(sp.GetRequiredService<IOptions<OtaOptions>>().Value.TrustedKeysPath, root),
                AgentVersion.Current,
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<AgentUpdater>());
        });
        return builder;
    }

    private static AgentUpdateStore AgentUpdateStoreOf(IServiceProvider sp) =>
        new(Path.GetFullPath(sp.GetRequiredService<IOptions<AgentUpdateOptions>>().Value.StatePath, sp.GetRequiredService<IHostEnvironment>().ContentRootPath));

    // Both halves need the device's TLS identity (escalation and downloads); registered once whichever comes first.
    private static void AddCloudTls(IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(static s => s.ServiceType == typeof(CloudTls)))
        {
            return;
        }

        AddOptions<CloudTlsOptions>(services, configuration, CloudTlsOptions.SectionName);
        services.AddSingleton<CloudTls>();
    }

    private static void AddDeviceConfigFile(ConfigurationManager configuration, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"{ConfigFileVariable} names the configuration file '{fullPath}', which does not exist.", fullPath);
        }

        var source = new JsonConfigurationSource
        {
            Path = Path.GetFileName(fullPath),
            FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(fullPath)!),
            Optional = false,
            ReloadOnChange = false,
        };

        // Before the environment variables, so per-device overrides (Edge__DeviceId=…) still win.
        var sources = configuration.Sources;
        var index = sources.Count;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource)
            {
                index = i;
                break;
            }
        }

        sources.Insert(index, source);
    }

    private static void AddOptions<TOptions>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
