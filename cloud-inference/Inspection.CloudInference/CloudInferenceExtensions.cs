using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.AgentReleases;
using Inspection.CloudInference.Broker;
using Inspection.CloudInference.Diagnostics;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Identity;
using Inspection.CloudInference.Models;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Rollouts;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Web;
using Inspection.Detection;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference;

/// <summary>The wiring of the cloud service.</summary>
public static class CloudInferenceExtensions
{
    /// <summary>The gRPC library's log category for calls: see <see cref="QuietGrpcCallLog"/>.</summary>
    public const string GrpcCallLogCategory = "Grpc.AspNetCore.Server.ServerCallHandler";

    /// <summary>The cloud model when <c>Detector:ModelPath</c> is not set, relative to the content root.</summary>
    public const string DefaultModelPath = "models/cloud/inspection-cloud.onnx";

    public static WebApplicationBuilder AddCloudInference(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        AddValidatedOptions<CloudOptions>(services, CloudOptions.SectionName);
        AddValidatedOptions<CloudTlsOptions>(services, CloudTlsOptions.SectionName);
        AddValidatedOptions<EscalationOptions>(services, EscalationOptions.SectionName);
        AddValidatedOptions<BatchingOptions>(services, BatchingOptions.SectionName);
        AddValidatedOptions<RejectedFrameOptions>(services, RejectedFrameOptions.SectionName);
        AddValidatedOptions<DecisionOptions>(services, DecisionOptions.SectionName)
            .Validate<IOptions<DetectorOptions>>(
                static (decision, detector) => detector.Value.ScoreThreshold <= decision.Lower,
                "Detector:ScoreThreshold must not be above Cloud:Decision:Lower: detections below the score threshold are dropped, so frames in the uncertain band would pass unseen.");
        AddValidatedOptions<BrokerOptions>(services, BrokerOptions.SectionName);
        AddValidatedOptions<MqttOptions>(services, MqttOptions.SectionName);
        AddValidatedOptions<ControlOptions>(services, ControlOptions.SectionName);
        AddValidatedOptions<ModelRegistryOptions>(services, ModelRegistryOptions.SectionName);
        AddValidatedOptions<AgentReleaseOptions>(services, AgentReleaseOptions.SectionName);
        AddValidatedOptions<RolloutOptions>(services, RolloutOptions.SectionName);
        AddValidatedOptions<ReviewVerdictOptions>(services, ReviewVerdictOptions.SectionName);
        AddValidatedOptions<ReviewOptions>(services, ReviewOptions.SectionName);
        AddValidatedOptions<AccountOptions>(services, AccountOptions.SectionName);
        AddValidatedOptions<DetectorOptions>(services, DetectorOptions.SectionName)
            .PostConfigure(static options =>
            {
                if (string.IsNullOrWhiteSpace(options.ModelPath))
                {
                    options.ModelPath = DefaultModelPath;
                }
            });

        var endpoints = new CloudEndpoints();
        services.AddSingleton(endpoints);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var cloud = context.Configuration.GetSection(CloudOptions.SectionName).Get<CloudOptions>() ?? new CloudOptions();

            // Cleartext HTTP/2 cannot be negotiated, so the gRPC port speaks only HTTP/2 (prior knowledge)
            // and the page and JSON API get a port of their own.
            var grpc = ParseListenUrl("Cloud:GrpcUrl", cloud.GrpcUrl);
            kestrel.Listen(grpc.Address, grpc.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                endpoints.SetGrpc(listen);
            });
            var http = ParseListenUrl("Cloud:HttpUrl", cloud.HttpUrl);
            kestrel.Listen(http.Address, http.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.SetHttp(listen);
            });
            kestrel.ListenForDevices(context.Configuration.GetSection(CloudTlsOptions.SectionName).Get<CloudTlsOptions>() ?? new CloudTlsOptions(), endpoints);
        });

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DetectorFactory>(static (options, logger) => OnnxDetector.Load(options, logger));
        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<EscalationOptions>>(
            static (grpc, escalations) => grpc.MaxReceiveMessageSize = escalations.Value.MaxMessageBytes);
        QuietGrpcCallLog(builder);

        // The standard gRPC health service, checked on every request (no cache): edge devices probe it to decide
        // whether the cloud can take escalations.
        services.AddHealthChecks().AddCheck<EscalationReadinessCheck>("escalations", tags: [EscalationReadinessCheck.Tag]);
        services.AddGrpcHealthChecks(options =>
        {
            options.Services.Map(string.Empty, r => r.Tags.Contains(EscalationReadinessCheck.Tag));
            options.Services.Map(Inspection.Contracts.V1.Escalation.Descriptor.FullName, r => r.Tags.Contains(EscalationReadinessCheck.Tag));
        });

        // The shared store first: on PostgreSQL its schema is brought up to date before anything else starts.
        var cloud = builder.Configuration.GetSection(CloudOptions.SectionName).Get<CloudOptions>() ?? new CloudOptions();
        services.AddSingleton<CloudDatabase>();
        if (cloud.UsesPostgreSql)
        {
            services.AddSingleton<PostgreSqlDatabase>();
            services.AddHostedService<PostgreSqlStartup>();
            services.AddSingleton<IEscalationStore, PostgreSqlEscalationStore>();
            services.AddSingleton(static sp => new DesiredStateStore(new PostgreSqlDesiredStateTable(sp.GetRequiredService<PostgreSqlDatabase>())));
            services.AddSingleton(static sp => new RolloutStore(new PostgreSqlRolloutTable(sp.GetRequiredService<PostgreSqlDatabase>())));
            services.AddSingleton<IAccountTable, PostgreSqlAccountTable>();
            services.AddSingleton<IReviewTable, PostgreSqlReviewTable>();
            services.AddSingleton<IModelTable, PostgreSqlModelTable>();
            services.AddSingleton<IAgentReleaseTable, PostgreSqlAgentReleaseTable>();
            services.AddSingleton(static sp => new ReviewVerdictStore(new PostgreSqlReviewVerdictTable(sp.GetRequiredService<PostgreSqlDatabase>())));
            services.AddKeyedSingleton<IRunOnceLease>(RunOnceLeases.Rollouts, static (sp, _) => new PostgreSqlLease(
                sp.GetRequiredService<PostgreSqlDatabase>().ConnectionString,
                RunOnceLeases.Rollouts,
                AdvisoryLockKeys.Rollouts,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<PostgreSqlLease>()));
        }
        else
        {
            services.AddSingleton<EscalationStore>();
            services.AddSingleton<IEscalationStore>(static sp => sp.GetRequiredService<EscalationStore>());
            services.AddSingleton(static sp => new DesiredStateStore(sp.GetRequiredService<CloudDatabase>()));
            services.AddSingleton(static sp => new RolloutStore(sp.GetRequiredService<CloudDatabase>()));
            services.AddSingleton<IAccountTable, LiteDbAccountTable>();
            services.AddSingleton<IReviewTable, LiteDbReviewTable>();
            services.AddSingleton<IModelTable, LiteDbModelTable>();
            services.AddSingleton<IAgentReleaseTable, LiteDbAgentReleaseTable>();
            services.AddSingleton(static sp => new ReviewVerdictStore(sp.GetRequiredService<CloudDatabase>()));
            services.AddKeyedSingleton<IRunOnceLease>(RunOnceLeases.Rollouts, static (_, _) => new InProcessLease(RunOnceLeases.Rollouts));
        }

        builder.AddCloudTelemetry();
        services.AddSingleton<EscalationProcessor>();
        services.AddSingleton<CloudDetector>();
        services.AddSingleton<FleetRegistry>();
        services.AddSingleton<FleetView>();
        services.AddSingleton<FleetCommands>();
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<AgentReleaseStore>();
        services.AddSingleton<ReviewedPartsCheck>();
        services.AddSingleton<RolloutController>();
        services.AddSingleton<EmbeddedBroker>();
        services.AddSingleton<DesiredStateSigner>();
        services.AddSingleton<FleetConnection>();
        services.AddSingleton<ReviewVerdictPublisher>();
        services.AddSingleton<IReviewedPartSink, ReviewVerdictSink>();
        services.AddSingleton<ReviewSelection>();
        services.AddSingleton<ReviewStore>();
        services.AddSingleton<ReviewNotifier>();
        services.AddSingleton<ReviewDashboard>();
        services.AddSingleton<ReviewDatasetExporter>();
        services.AddAccounts();

        // Start order matters: the broker listens before the fleet client connects; the model is
        // loaded and warm before anything is served.
        services.AddHostedService(static sp => sp.GetRequiredService<EmbeddedBroker>());
        services.AddHostedService(static sp => sp.GetRequiredService<CloudDetector>());
        services.AddHostedService(static sp => sp.GetRequiredService<FleetConnection>());
        services.AddHostedService(static sp => sp.GetRequiredService<ReviewVerdictPublisher>());
        services.AddHostedService(static sp => sp.GetRequiredService<RolloutController>());
        return builder;
    }

    public static WebApplication MapCloudInference(this WebApplication app)
    {
        app.UseDeviceEndpointFilter();
        app.UseAccounts();
        app.MapAccounts();
        app.MapEscalations();
        app.MapMetrics();
        app.MapFleet();
        app.MapModels();
        app.MapAgentReleases();
        app.MapRollouts();
        app.MapReview();
        app.MapOperatorPage();
        return app;
    }

    // The library logs, at information level and with a full stack trace, every call an edge cancels mid-stream (each
    // stop of an agent) and an oversized message twice; the escalation service logs both itself, with the peer and the
    // key. Warnings and errors of the category still show, and a level configured for it wins.
    private static void QuietGrpcCallLog(WebApplicationBuilder builder)
    {
        if (builder.Configuration[$"Logging:LogLevel:{GrpcCallLogCategory}"] is null)
        {
            builder.Logging.AddFilter(GrpcCallLogCategory, LogLevel.Warning);
        }
    }

    // Kestrel reads its endpoints before options validation runs, so it must fail with the same message.
    private static ListenUrl ParseListenUrl(string key, string value) =>
        ListenUrl.TryParse(value, out var listen, out var error)
            ? listen
            : throw new InvalidOperationException($"{key} '{value}' is not usable: {error}");

    private static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(IServiceCollection services, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
