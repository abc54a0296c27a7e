using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inspection.Detection;
using Inspection.EdgeAgent.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Inspection.EdgeAgent.Bench;

/// <summary>
/// <c>bench-telemetry</c>: what the meter's instruments cost an inspected frame (the calls the inspection loop makes:
/// frame read, frame decided, the two latency histograms), with nothing collecting them and with the OpenTelemetry SDK
/// collecting them; and what the span of an escalated frame costs, with nobody listening and with a listener that
/// records it. Time and bytes allocated per call on this thread. Measures; asserts nothing.
/// </summary>
public static class TelemetryBench
{
    public static Command Create()
    {
        var frames = new Option<int>("--frames") { Description = "Frames recorded per setting.", DefaultValueFactory = _ => 2_000_000 };
        var escalations = new Option<int>("--escalations") { Description = "Escalated-frame spans recorded per setting.", DefaultValueFactory = _ => 200_000 };
        var command = new Command("bench-telemetry", "Time the instruments of an inspected frame and the span of an escalated one.") { frames, escalations };
        command.SetAction((parse, _) =>
        {
            Run(Math.Max(1000, parse.GetValue(frames)), Math.Max(1000, parse.GetValue(escalations)), parse.InvocationConfiguration.Output);
            return Task.FromResult(0);
        });
        return command;
    }

    private static void Run(int frames, int escalations, TextWriter output)
    {
        output.WriteLine($"bench-telemetry: {frames} frames, {escalations} escalated-frame spans per setting");
        using (var services = new ServiceCollection().AddMetrics().BuildServiceProvider())
        {
            var stats = new EdgeStats(services.GetRequiredService<IMeterFactory>());
            Report(output, "frame, nothing collecting", Frames(stats, frames), frames);
        }

        using (var services = new ServiceCollection().AddMetrics().BuildServiceProvider())
        using (var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(EdgeTelemetry.MeterName)
            .AddReader(new PeriodicExportingMetricReader(new DiscardingExporter(), exportIntervalMilliseconds: 60_000))
            .Build())
        {
            var stats = new EdgeStats(services.GetRequiredService<IMeterFactory>());
            Report(output, "frame, OpenTelemetry SDK collecting", Frames(stats, frames), frames);
        }

        Report(output, "escalated frame's span, nobody listening", Spans(escalations), escalations);
        using (var listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == EdgeTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        })
        {
            ActivitySource.AddActivityListener(listener);
            Report(output, "escalated frame's span, recorded", Spans(escalations), escalations);
        }
    }

    private static (TimeSpan Elapsed, long Bytes) Frames(EdgeStats stats, int count)
    {
        var inference = TimeSpan.FromMilliseconds(25);
        var endToEnd = TimeSpan.FromMilliseconds(31);
        for (var i = 0; i < 10_000; i++)
        {
            Frame(stats, i, inference, endToEnd);
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            Frame(stats, i, inference, endToEnd);
        }

        watch.Stop();
        return (watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    private static void Frame(EdgeStats stats, long sequence, TimeSpan inference, TimeSpan endToEnd)
    {
        stats.FrameRead();
        stats.FrameInspected((sequence % 3) switch { 0 => Decision.Pass, 1 => Decision.Defect, _ => Decision.Uncertain }, sequence);
        stats.FrameTimed(inference, endToEnd);
    }

    private static (TimeSpan Elapsed, long Bytes) Spans(int count)
    {
        var now = DateTimeOffset.UtcNow;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            EdgeTelemetry.RecordEscalated(EdgeTelemetry.InferenceSpan, now, now, i, "uncertain");
        }

        watch.Stop();
        return (watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    private static void Report(TextWriter output, string what, (TimeSpan Elapsed, long Bytes) result, int count) =>
        output.WriteLine($"  {what,-42} {result.Elapsed.TotalNanoseconds / count,8:0.0} ns, {(double)result.Bytes / count,6:0.0} B per call");

    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
