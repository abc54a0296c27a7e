using System.ComponentModel.DataAnnotations;

namespace Inspection.CloudInference.Diagnostics;

/// <summary>
/// Where the cloud's metrics and traces go. Bound from <c>Cloud:Telemetry</c>. The Prometheus scrape endpoint is on by
/// default (on the operator page's port, for signed-in accounts only); OTLP is off unless configured.
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string SectionName = "Cloud:Telemetry";

    /// <summary>
    /// Path of the Prometheus scrape endpoint on <c>Cloud:HttpUrl</c>. Key <c>Cloud:Telemetry:MetricsPath</c>, default
    /// <c>/metrics</c>; empty turns it off.
    /// </summary>
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>
    /// Whether the scrape endpoint answers without an account. Key <c>Cloud:Telemetry:MetricsAnonymous</c>, default
    /// <c>false</c>: a scraper sends an API token of any role (<c>Authorization: Bearer …</c>; Prometheus'
    /// <c>authorization.credentials_file</c>), like the JSON API. The metrics name no device, but they show the fleet's
    /// volume and error rates; set <c>true</c> only where the HTTP port is reachable from trusted machines alone.
    /// </summary>
    public bool MetricsAnonymous { get; set; }

    /// <summary>
    /// An OpenTelemetry collector to send metrics and traces to over OTLP, e.g. <c>http://collector:4317</c>. Key
    /// <c>Cloud:Telemetry:OtlpEndpoint</c>, default none: off. The standard environment variable
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> turns it on too when this key is not set.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// The OTLP transport: <c>grpc</c> (port 4317 by convention) or <c>http/protobuf</c> (port 4318). Key
    /// <c>Cloud:Telemetry:OtlpProtocol</c>, default <c>grpc</c>.
    /// </summary>
    public string OtlpProtocol { get; set; } = "grpc";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(MetricsPath) && (!MetricsPath.StartsWith('/') || MetricsPath.StartsWith("/api", StringComparison.Ordinal)))
        {
            yield return new ValidationResult(
                $"Cloud:Telemetry:MetricsPath '{MetricsPath}' must start with '/' and lie outside /api (e.g. /metrics), or be empty to serve no scrape endpoint.",
                [nameof(MetricsPath)]);
        }

        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult(
                $"Cloud:Telemetry:OtlpEndpoint '{OtlpEndpoint}' is not an http:// or https:// address of an OpenTelemetry collector (e.g. http://collector:4317).",
                [nameof(OtlpEndpoint)]);
        }

        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            yield return new ValidationResult(
                $"Cloud:Telemetry:OtlpProtocol '{OtlpProtocol}' is not known: use grpc or http/protobuf.", [nameof(OtlpProtocol)]);
        }
    }
}
