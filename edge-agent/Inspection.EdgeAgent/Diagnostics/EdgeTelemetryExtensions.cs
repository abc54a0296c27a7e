using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>Exports the agent's metrics and traces where <see cref="TelemetryOptions"/> says; nowhere by default.</summary>
public static class EdgeTelemetryExtensions
{
    /// <summary>The standard variable that names an OTLP collector when <c>Telemetry:OtlpEndpoint</c> is not set.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // The name the OpenTelemetry SDK registers its metrics listener under with Microsoft.Extensions.Diagnostics.
    private const string OpenTelemetryListenerName = "OpenTelemetry";

    /// <summary>
    /// Registers the exporters configured in <c>Telemetry</c>: a Prometheus scrape endpoint, OTLP to a collector, both
    /// or none. With none, the OpenTelemetry SDK is not even registered: the meter's instruments are never collected and
    /// no span is recorded (escalated frames still carry a trace context to the cloud). Log scopes carry the current
    /// trace and span id either way.
    /// </summary>
    public static IHostApplicationBuilder AddEdgeTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>()
            .Bind(builder.Configuration.GetSection(TelemetryOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Logging.Configure(static options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var options = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = OtlpEndpoint(options, builder.Configuration);
        var prometheus = options.PrometheusPort is > 0 and <= 65535 && !string.IsNullOrWhiteSpace(options.PrometheusHost);
        services.AddSingleton(new TelemetryExporters(prometheus ? $"http://{options.PrometheusHost}:{options.PrometheusPort}/metrics" : null, otlp?.ToString()));
        if (!prometheus && otlp is null)
        {
            return builder;
        }

        var deviceId = builder.Configuration["Edge:DeviceId"];

        // Only this host's meter (one made by its IMeterFactory), not every meter of that name in the process: benches,
        // tests and the fleet simulator run several in one process, and the SDK's AddMeter would merge them all.
        services.AddMetrics(metrics => metrics.EnableMetrics(EdgeTelemetry.MeterName, instrumentName: null, listenerName: OpenTelemetryListenerName, scopes: MeterScope.Local));
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("inspection-edge-agent", serviceVersion: EdgeTelemetry.Version, serviceInstanceId: string.IsNullOrEmpty(deviceId) ? null : deviceId))
            .WithMetrics(metrics =>
            {
                if (prometheus)
                {
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Host = options.PrometheusHost;
                        listener.Port = options.PrometheusPort;
                    });
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(exporter => Configure(exporter, otlp, options.OtlpProtocol, "v1/metrics"));
                }
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(EdgeTelemetry.ActivitySourceName)
                .AddOtlpExporter(exporter => Configure(exporter, otlp, options.OtlpProtocol, "v1/traces")));
        }

        return builder;
    }

    // An endpoint that does not parse is left to the options' validation, which stops the agent naming the key.
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
