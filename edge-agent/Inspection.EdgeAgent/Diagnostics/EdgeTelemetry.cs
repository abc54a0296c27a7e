using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>
/// The agent's telemetry names and its one <see cref="ActivitySource"/>: the meter <see cref="MeterName"/> (instruments
/// in <see cref="EdgeStats"/>) and the source <see cref="ActivitySourceName"/>, whose only span is the inference of a
/// frame (or the sighting of a part) that goes to the cloud. That span's W3C trace context is stored with the outbox
/// entry and sent with it, so the cloud's spans for the frame join the same trace however late the frame leaves.
/// </summary>
public static class EdgeTelemetry
{
    /// <summary>Name of the agent's meter and of its activity source.</summary>
    public const string MeterName = "Inspection.EdgeAgent";

    /// <summary>Name of the activity source (the same as the meter's).</summary>
    public const string ActivitySourceName = MeterName;

    /// <summary>The span of an escalated frame's inference.</summary>
    public const string InferenceSpan = "inspection.edge.inference";

    /// <summary>The span of an escalated part: from its first sighting to the frame that made it go to the cloud.</summary>
    public const string PartSpan = "inspection.edge.part";

    /// <summary>Version reported with the meter and the source.</summary>
    public static readonly string Version = typeof(EdgeTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>The agent's spans.</summary>
    public static readonly ActivitySource Source = new(ActivitySourceName, Version);

    /// <summary>
    /// Buckets of the latency histograms, in seconds: 1 ms to 10 s, finer where a frame's inference lies (10–100 ms on a
    /// Jetson or a CPU) than OpenTelemetry's defaults, which are meant for milliseconds.
    /// </summary>
    public static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    internal static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);

    internal static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);

    /// <summary>
    /// Records the finished span <paramref name="name"/> from <paramref name="started"/> to <paramref name="ended"/>, as
    /// the root of a trace of its own (each escalated frame is one trace), and returns its W3C <c>traceparent</c>. Only
    /// frames that go to the cloud get a span, so it is recorded after the decision, with the times it had. When nobody
    /// listens to the source (no exporter configured) a trace context is still made up and returned: the cloud's spans of
    /// the frame then share a trace id, and its logs name it, though the edge exported nothing.
    /// </summary>
    public static string RecordEscalated(string name, DateTimeOffset started, DateTimeOffset ended, long sequence, string reason)
    {
        var outer = Activity.Current;

        // A root, not a child of whatever runs around the inspection loop.
        Activity.Current = null;
        try
        {
            using var activity = Source.StartActivity(name, ActivityKind.Internal, default(ActivityContext), startTime: started);
            if (activity is null)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            }

            activity.SetTag("inspection.sequence", sequence);
            activity.SetTag("inspection.reason", reason);
            activity.SetEndTime(ended.UtcDateTime);
            return activity.Id!;
        }
        finally
        {
            Activity.Current = outer;
        }
    }
}
