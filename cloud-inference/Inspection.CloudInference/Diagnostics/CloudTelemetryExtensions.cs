using Inspection.CloudInference.Accounts;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inspection.CloudInference.Diagnostics;

/// <summary>The cloud's metrics and traces: instruments, the Prometheus scrape endpoint, OTLP when configured.</summary>
public static class CloudTelemetryExtensions
{
    /// <summary>The standard variable that names an OTLP collector when <c>Cloud:Telemetry:OtlpEndpoint</c> is not set.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // The name the OpenTelemetry SDK registers its metrics listener under with Microsoft.Extensions.Diagnostics.
    private const string OpenTelemetryListenerName = "OpenTelemetry";

    /// <summary>
    /// Registers <see cref="CloudMetrics"/> and the exporters <c>Cloud:Telemetry</c> asks for. Traces are recorded only
    /// for OTLP (the scrape endpoint carries metrics alone); log scopes carry the current trace and span id either way.
    /// </summary>
    public static WebApplicationBuilder AddCloudTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton(static sp => new CloudMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Logging.Configure(static options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var options = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var metricsPath = string.IsNullOrEmpty(options.MetricsPath) ? null : options.MetricsPath;
        var otlp = OtlpEndpoint(options, builder.Configuration);
        services.AddSingleton(new TelemetryExporters(metricsPath, otlp?.ToString()));
        if (metricsPath is null && otlp is null)
        {
            return builder;
        }

        // Only this host's meter (one made by its IMeterFactory), not every meter of that name in the process: benches,
        // tests and the fleet simulator run several in one process, and the SDK's AddMeter would merge them all.
        services.AddMetrics(metrics => metrics.EnableMetrics(CloudTelemetry.MeterName, instrumentName: null, listenerName: OpenTelemetryListenerName, scopes: MeterScope.Local));
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("inspection-cloud", serviceVersion: CloudTelemetry.Version))
            .WithMetrics(metrics =>
            {
                if (metricsPath is not null)
                {
                    metrics.AddPrometheusExporter();
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(exporter => Configure(exporter, otlp, options.OtlpProtocol, "v1/metrics"));
                }
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(CloudTelemetry.ActivitySourceName)
                .AddOtlpExporter(exporter => Configure(exporter, otlp, options.OtlpProtocol, "v1/traces")));
        }

        return builder;
    }

    /// <summary>Maps the Prometheus scrape endpoint (<c>Cloud:Telemetry:MetricsPath</c>), for accounts only unless <c>MetricsAnonymous</c>.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var exporters = app.Services.GetRequiredService<TelemetryExporters>();
        if (exporters.MetricsPath is null)
        {
            return app;
        }

        var endpoint = app.MapPrometheusScrapingEndpoint(exporters.MetricsPath);
        if (!app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value.MetricsAnonymous)
        {
            endpoint.RequireAuthorization(AccessPolicies.Operator).WithMetadata(new NoSignInPage());
        }

        return app;
    }

    // An endpoint that does not parse is left to the options' validation, which stops the service naming the key.
    private static Uri? OtlpEndpoint(TelemetryOptions options, IConfiguration configuration)
    {
        var value = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? configuration[OtlpEndpointVariable] : options.OtlpEndpoint;
        return !string.IsNullOrWhiteSpace(value) && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
    }

    private static void Configure(OtlpExporterOptions exporter, Uri endpoint, string protocol, string signalPath)
    {
        exporter.Protocol = protocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;

        // Over HTTP each signal has its own path below the collector's address (as the SDK does with the variable); an
        // address set in code is otherwise taken as the full path.
        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : endpoint;
    }
}
