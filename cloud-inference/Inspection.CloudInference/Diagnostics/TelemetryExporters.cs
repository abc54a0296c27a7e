namespace Inspection.CloudInference.Diagnostics;

/// <summary>Where the cloud exports its telemetry, as configured at start.</summary>
/// <param name="MetricsPath">The Prometheus scrape endpoint's path on the HTTP port, or null when there is none.</param>
/// <param name="OtlpEndpoint">The OTLP collector's address, or null when nothing is sent.</param>
public sealed record TelemetryExporters(string? MetricsPath, string? OtlpEndpoint);
