using System.ComponentModel.DataAnnotations;

namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>
/// Where the agent's metrics and traces go. Bound from the <c>Telemetry</c> section. Everything is off by default: the
/// counters still reach the fleet over MQTT in the reported state, and no port is opened and no connection made unless
/// configured here.
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Port of a Prometheus scrape endpoint (<c>http://host:port/metrics</c>) serving the agent's metrics. Key
    /// <c>Telemetry:PrometheusPort</c>, default 0: off.
    /// </summary>
    [Range(0, 65535, ErrorMessage = "Telemetry:PrometheusPort must be a TCP port (1-65535), or 0 to serve no scrape endpoint.")]
    public int PrometheusPort { get; set; }

    /// <summary>
    /// The host name the scrape endpoint answers to. Key <c>Telemetry:PrometheusHost</c>, default <c>localhost</c>
    /// (only processes on the device can scrape it); <c>*</c> answers on every interface, for a Prometheus server on the
    /// plant network. The endpoint has no authentication: what it shows (frame and decision counts, latencies, outbox
    /// depth, error counts) is no secret, but keep it off networks the plant does not trust.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Telemetry:PrometheusHost must not be empty: use localhost, a host name of the device, or * for every interface.")]
    public string PrometheusHost { get; set; } = "localhost";

    /// <summary>
    /// An OpenTelemetry collector to send metrics and traces to over OTLP, e.g. <c>http://collector:4317</c>. Key
    /// <c>Telemetry:OtlpEndpoint</c>, default none: off. The standard environment variable
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> turns it on too when this key is not set.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// The OTLP transport: <c>grpc</c> (port 4317 by convention) or <c>http/protobuf</c> (port 4318). Key
    /// <c>Telemetry:OtlpProtocol</c>, default <c>grpc</c>.
    /// </summary>
    public string OtlpProtocol { get; set; } = "grpc";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult(
                $"Telemetry:OtlpEndpoint '{OtlpEndpoint}' is not an http:// or https:// address of an OpenTelemetry collector (e.g. http://collector:4317).",
                [nameof(OtlpEndpoint)]);
        }

        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            yield return new ValidationResult(
                $"Telemetry:OtlpProtocol '{OtlpProtocol}' is not known: use grpc or http/protobuf.", [nameof(OtlpProtocol)]);
        }
    }
}
