using System.Diagnostics.Metrics;

namespace Inspection.CloudInference.Diagnostics;

/// <summary>
/// The cloud's instruments, on the meter <see cref="CloudTelemetry.MeterName"/>: escalations received, stored (by
/// verdict), answered as duplicates, refused (by reason), turned away while the model's queue was full; the model's
/// inference time and batch sizes, the queue's depth; errors. Counts since the process started; the store keeps the
/// totals the operator page shows across restarts.
/// </summary>
public sealed class CloudMetrics
{
    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _inference;
    private readonly Histogram<int> _batchSize;

    /// <summary>Instruments on a meter of their own (benches and tests that build a part of the cloud by hand).</summary>
    public CloudMetrics()
        : this(null)
    {
    }

    /// <param name="meterFactory">The host's meter factory, which owns the meter; null: a meter of its own.</param>
    public CloudMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(CloudTelemetry.MeterName, CloudTelemetry.Version) ?? new Meter(CloudTelemetry.MeterName, CloudTelemetry.Version);
        _received = _meter.CreateCounter<long>("inspection.cloud.escalations.received", "{escalation}", "Escalation requests read (frames and parts), duplicates and refusals included");
        _stored = _meter.CreateCounter<long>("inspection.cloud.escalations.stored", "{escalation}", "Escalations judged and stored, by verdict (pass, defect, uncertain)");
        _duplicates = _meter.CreateCounter<long>("inspection.cloud.escalations.duplicates", "{escalation}", "Re-sent escalations answered from the store without running the model");
        _refused = _meter.CreateCounter<long>("inspection.cloud.escalations.refused", "{escalation}", "Escalations refused in their reply, by reason (no key, bad JPEG, too many pixels, another device's, ...)");
        _throttled = _meter.CreateCounter<long>("inspection.cloud.escalations.throttled", "{escalation}", "Escalations turned away because the model's queue was full (the device sends them again later)");
        _errors = _meter.CreateCounter<long>("inspection.cloud.errors", "{error}", "Errors by kind: inference (the model failed on a frame), stream (a call failed before its frames were stored)");
        _inference = _meter.CreateHistogram("inspection.cloud.inference.duration", "s", "Time of one inference of the cloud model over a batch", advice: CloudTelemetry.LatencyBuckets);
        _batchSize = _meter.CreateHistogram<int>(
            "inspection.cloud.batch.size",
            "{frame}",
            "Frames per inference of the cloud model",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 256] });
    }

    /// <summary>Exports the model queue's depth as the gauge <c>inspection.cloud.queue.depth</c>, read at each collection.</summary>
    public void ObserveQueue(Func<int> depth) =>
        _meter.CreateObservableGauge("inspection.cloud.queue.depth", depth, "{frame}", "Frames waiting for the cloud model (the running batch not counted)");

    public void Received() => _received.Add(1);

    public void Stored(string verdict) => _stored.Add(1, new KeyValuePair<string, object?>("verdict", verdict));

    public void Duplicate() => _duplicates.Add(1);

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Throttled() => _throttled.Add(1);

    public void Error(string kind) => _errors.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void BatchRan(int frames, TimeSpan duration)
    {
        _batchSize.Record(frames);
        _inference.Record(duration.TotalSeconds);
    }
}
