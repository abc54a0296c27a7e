using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inspection.Contracts.V1;

namespace Inspection.CloudInference.Diagnostics;

/// <summary>
/// The cloud's telemetry names and its one <see cref="ActivitySource"/>. Each escalated frame (or part) is a span
/// <see cref="EscalationSpan"/> that continues the trace the edge began when it found the frame uncertain (the request's
/// <c>trace_parent</c>), with children for the cloud model's inference (<see cref="InferenceSpan"/>, tagged with the
/// batch it ran in), the store (<see cref="StoreSpan"/>) and the reply (<see cref="VerdictSpan"/>). The metrics are in
/// <see cref="CloudMetrics"/>.
/// </summary>
public static class CloudTelemetry
{
    /// <summary>Name of the cloud's meter and of its activity source.</summary>
    public const string MeterName = "Inspection.CloudInference";

    /// <summary>Name of the activity source (the same as the meter's).</summary>
    public const string ActivitySourceName = MeterName;

    /// <summary>One escalated frame or part, from its request read to its reply written.</summary>
    public const string EscalationSpan = "inspection.cloud.escalation";

    /// <summary>The cloud model on one frame: the wait in the batch queue and the batch's inference.</summary>
    public const string InferenceSpan = "inspection.cloud.inference";

    /// <summary>The escalation and its frames written to the store in one transaction.</summary>
    public const string StoreSpan = "inspection.cloud.store";

    /// <summary>The verdict sent back to the device.</summary>
    public const string VerdictSpan = "inspection.cloud.verdict";

    /// <summary>Version reported with the meter and the source.</summary>
    public static readonly string Version = typeof(CloudTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>The cloud's spans.</summary>
    public static readonly ActivitySource Source = new(ActivitySourceName, Version);

    /// <summary>Buckets of the latency histograms, in seconds: 1 ms to 10 s, finer where a batch's inference lies.</summary>
    public static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2.5, 5, 10],
    };

    /// <summary>
    /// Starts the span of one escalated frame or part, as a child of the edge's span when the request carries a trace
    /// context that parses; otherwise (an older edge, a malformed value) as the root of a trace of its own. Null when
    /// nobody listens.
    /// </summary>
    public static Activity? StartEscalation(EscalationRequest request, string peer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ActivityContext parent = default;
        var linked = !string.IsNullOrEmpty(request.TraceParent) && ActivityContext.TryParse(request.TraceParent, null, isRemote: true, out parent);
        var outer = Activity.Current;

        // The gRPC call's own activity (when ASP.NET Core makes one) spans many frames of many traces: not a parent.
        Activity.Current = null;
        var activity = Source.StartActivity(EscalationSpan, ActivityKind.Server, linked ? parent : default);
        if (activity is null)
        {
            Activity.Current = outer;
            return null;
        }

        if (request.Key is { } key)
        {
            activity.SetTag("inspection.device", Escalations.Printable.Cut(key.DeviceId, 64));
            activity.SetTag("inspection.sequence", key.Sequence);
        }

        activity.SetTag("inspection.part", request.Part is not null);
        activity.SetTag("net.peer", peer);
        return activity;
    }
}
