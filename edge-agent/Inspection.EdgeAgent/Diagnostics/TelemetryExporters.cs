namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>Where the agent exports its telemetry, as configured at start.</summary>
/// <param name="PrometheusEndpoint">The scrape endpoint's address, or null when there is none.</param>
/// <param name="OtlpEndpoint">The OTLP collector's address, or null when nothing is sent.</param>
public sealed record TelemetryExporters(string? PrometheusEndpoint, string? OtlpEndpoint);
