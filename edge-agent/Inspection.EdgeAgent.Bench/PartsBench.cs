using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Storage;
using Inspection.ModelTools.Line;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace Inspection.EdgeAgent.Bench;

/// <summary>
/// <c>bench-parts</c>: the part tracker on the synthetic line (default size and settings), scored against the line's
/// own part ids on several seeds. Per seed: true parts that crossed the frame whole, ids the tracker gave, parts
/// merged (one id on two true parts), split (two ids on one true part), missed (no id), sightings on bare belt, and
/// frames whose part is wrong (the tracker's part most in view is not the true part most in view, or one of them is
/// none). Then the tracker's time and allocation per frame beside the edge model's inference on the same frames.
/// Measures; asserts nothing.
/// </summary>
public static class PartsBench
{
    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { Description = "Lines scored, seeds 1..N.", DefaultValueFactory = _ => 5 };
        var frames = new Option<int>("--frames") { Description = "Frames per line (a part every 75 frames).", DefaultValueFactory = _ => 900 };
        var model = new Option<FileInfo>("--model") { Description = "The edge model timed beside the tracker.", DefaultValueFactory = _ => new FileInfo("models/edge/inspection-edge.onnx") };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads for the model.", DefaultValueFactory = _ => 2 };
        var upper = new Option<float>("--upper") { Description = "Decision:Upper for timing tracker mode (a higher one leaves more parts uncertain).", DefaultValueFactory = _ => new DecisionOptions().Upper };
        var command = new Command("bench-parts", "Score the part tracker against the synthetic line's part ids and time it beside the edge model.")
        {
            seeds, frames, model, threads, upper,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(model)!;
            if (!file.Exists)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bench-parts: no model at '{file.FullName}'.").ConfigureAwait(false);
                return 2;
            }

            Run(Math.Max(1, parse.GetValue(seeds)), Math.Max(10, parse.GetValue(frames)), file.FullName, Math.Max(1, parse.GetValue(threads)),
                parse.GetValue(upper), parse.InvocationConfiguration.Output, cancellationToken);
            return 0;
        });
        return command;
    }

    private static void Run(int seeds, int frames, string modelPath, int threads, float upper, TextWriter output, CancellationToken cancellationToken)
    {
        var options = new PartTrackerOptions();
        output.WriteLine($"bench-parts: {seeds} seeds × {frames} frames, 640×480, tracker threshold {options.Threshold}, work width {options.WorkWidth}");
        output.WriteLine("seed  true-parts  ids  merged  split  missed  belt-sightings  wrong-frames");
        var scores = new List<Score>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var score = ScoreLine(seed, frames, options, cancellationToken);
            scores.Add(score);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{seed,4}  {score.TrueParts,10}  {score.Ids,3}  {score.Merged,6}  {score.Split,5}  {score.Missed,6}  {score.BeltSightings,14}  {score.WrongFrames,5} of {frames} ({100.0 * score.WrongFrames / frames:F1}%)"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean  {scores.Average(s => s.TrueParts),10:F1}  {scores.Average(s => s.Ids),3:F1}  {scores.Average(s => s.Merged),6:F1}  {scores.Average(s => s.Split),5:F1}  {scores.Average(s => s.Missed),6:F1}  {scores.Average(s => s.BeltSightings),14:F1}  {scores.Average(s => s.WrongFrames),5:F1} ({100.0 * scores.Average(s => s.WrongFrames) / frames:F1}%)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"worst {"",10}  {"",3}  {scores.Max(s => s.Merged),6}  {scores.Max(s => s.Split),5}  {scores.Max(s => s.Missed),6}  {scores.Max(s => s.BeltSightings),14}  {scores.Max(s => s.WrongFrames),5} ({100.0 * scores.Max(s => s.WrongFrames) / frames:F1}%)"));
        if (scores.Sum(s => s.WrongFrames) > 0)
        {
            output.WriteLine("wrong frames by kind: " + string.Join(", ", scores.SelectMany(s => s.WrongKinds).GroupBy(k => k).Select(g => $"{g.Key} {g.Count()}")));
        }

        TimeBesideModel(modelPath, threads, options, output);
        TimePartsMode(modelPath, threads, upper, output);
    }

    /// <summary>
    /// The agent's whole per-frame part step in tracker mode (tracker, attributing detections to parts, the part
    /// bookkeeping and its LiteDB writes, durable when the outbox changes) beside inference and beside what none mode
    /// stores per frame (the result, or the result and the frame's outbox entry for an uncertain frame), on the
    /// same frames of the synthetic line with a LiteDB file on disk.
    /// </summary>
    private static void TimePartsMode(string modelPath, int threads, float upper, TextWriter output)
    {
        const int Frames = 450;
        var folder = Directory.CreateTempSubdirectory("bench-parts-");
        try
        {
            using var detector = OnnxDetector.Load(
                new DetectorOptions { ModelPath = modelPath, ExecutionProviders = ["CPU"], IntraOpThreads = threads, WarmupRuns = 5 },
                NullLogger.Instance);
            var band = new DecisionOptions { Upper = upper }.ToBand();
            using var line = new SyntheticLine(3);
            var edge = Options.Create(new EdgeOptions { DeviceId = "bench", LineId = "bench" });
            var outboxOptions = Options.Create(new OutboxOptions());
            using var partsDatabase = new EdgeDatabase(Path.Combine(folder.FullName, "parts.db"));
            using var framesDatabase = new EdgeDatabase(Path.Combine(folder.FullName, "frames.db"));
            var partsOutbox = new OutboxStore(partsDatabase, outboxOptions, TimeProvider.System);
            var framesOutbox = new OutboxStore(framesDatabase, outboxOptions, TimeProvider.System);
            var framesResults = new ResultStore(framesDatabase, Options.Create(new StorageOptions()));
            var degradation = new InspectionDegradation(
                new DeviceState(new ControlStateStore(partsDatabase)),
                new DeviceEvents(edge, TimeProvider.System),
                new FramePacer(0, TimeProvider.System),
                Options.Create(new DegradationOptions()),
                TimeProvider.System,
                NullLogger<InspectionDegradation>.Instance);
            using var parts = new PartInspector(
                Options.Create(new PartsOptions { Source = PartsOptions.Tracker }),
                Options.Create(new PartTrackerOptions()),
                partsOutbox,
                new ResultStore(partsDatabase, Options.Create(new StorageOptions())),
                new EdgeStats(),
                degradation,
                outboxOptions,
                edge,
                TimeProvider.System,
                NullLogger<PartInspector>.Instance);
            var outboxWrites = 0;
            partsOutbox.UsageChanged += _ => outboxWrites++;

            var detectTimes = new List<double>();
            var partTimes = new List<double>();
            var partWriteTimes = new List<double>();
            var frameTimes = new List<double>();
            var uncertainFrames = 0;
            long partBytes = 0;
            long frameBytes = 0;
            var closed = new List<PartOutcome>();
            for (var i = 0; i < Frames; i++)
            {
                using var rendered = line.Render(i);
                var start = Stopwatch.GetTimestamp();
                var detections = detector.Detect(rendered.Frame);
                detectTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                var decision = band.Decide(detections);
                uncertainFrames += decision == Decision.Uncertain ? 1 : 0;

                var writesBefore = outboxWrites;
                var partRecord = Record(i + 1, decision, detections);
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                start = Stopwatch.GetTimestamp();
                closed.AddRange(parts.Inspect(rendered.Frame, partRecord, detections, band, out _));
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                partBytes += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                partTimes.Add(elapsed);
                if (outboxWrites != writesBefore)
                {
                    partWriteTimes.Add(elapsed);
                }

                // None mode: the result, or for an uncertain frame its JPEG and the durable result + outbox entry.
                var record = Record(i + 1, decision, detections);
                allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                start = Stopwatch.GetTimestamp();
                if (decision == Decision.Uncertain)
                {
                    Cv2.ImEncode(".jpg", rendered.Frame, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
                    framesOutbox.Escalate(record, new OutboxEntry { Id = i + 1, Jpeg = jpeg, NextAttemptAt = DateTime.UtcNow, Detections = record.Detections });
                }
                else
                {
                    framesResults.Insert(record);
                }

                frameTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                frameBytes += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tracker mode per frame on {Frames} frames of seed 3 (640×480), band {band.Lower}–{band.Upper}, LiteDB on disk, {Environment.ProcessorCount} cores: {uncertainFrames} uncertain frames, {closed.Count} parts closed ({closed.Count(p => p.Decision == Decision.Pass)} pass, {closed.Count(p => p.Decision == Decision.Defect)} defect, {closed.Count(p => p.Decision == Decision.Uncertain)} uncertain), {partWriteTimes.Count} frames changed the outbox"));
            output.WriteLine($"  inference               {Summary(detectTimes)}");
            output.WriteLine($"  part step (all frames)  {Summary(partTimes)}  allocated {partBytes / Frames} B/frame (LiteDB's writes included)");
            output.WriteLine($"  part step (outbox write){Summary(partWriteTimes)}");
            output.WriteLine($"  none mode's storage     {Summary(frameTimes)}  allocated {frameBytes / Frames} B/frame");
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        static InspectionRecord Record(long id, Decision decision, IReadOnlyList<Detection.Detection> detections) =>
            new() { Id = id, CapturedAt = DateTime.UtcNow, Decision = decision, Detections = DetectionRecord.From(detections), ModelName = "edge", ModelVersion = "bench" };

        static string Summary(List<double> times)
        {
            if (times.Count == 0)
            {
                return " (none)";
            }

            var sorted = times.Order().ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $" n {sorted.Count,4}  median {sorted[sorted.Count / 2]:F3} ms  p95 {sorted[Math.Min(sorted.Count - 1, sorted.Count * 95 / 100)]:F3} ms  max {sorted[^1]:F3} ms");
        }
    }

    private static Score ScoreLine(int seed, int frames, PartTrackerOptions options, CancellationToken cancellationToken)
    {
        using var line = new SyntheticLine(seed);
        using var tracker = new PartTracker(options);
        var minArea = options.MinAreaShare * line.Width * line.Height;
        var idsOfPart = new Dictionary<int, HashSet<long>>();
        var partsOfId = new Dictionary<long, Dictionary<int, int>>();
        var wholeParts = new HashSet<int>();
        var frameIds = new List<(long? Tracked, int? True)>(frames);
        var beltSightings = 0;
        for (var index = 0; index < frames; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var rendered = line.Render(index);
            var tracked = tracker.Track(rendered.Frame);
            foreach (var sighting in tracker.InView)
            {
                var part = rendered.Parts.FirstOrDefault(p => p.Contains(sighting.CenterX, sighting.CenterY));
                if (part is null)
                {
                    beltSightings++;
                    continue;
                }

                idsOfPart.TryAdd(part.PartId, []);
                idsOfPart[part.PartId].Add(sighting.PartId);
                partsOfId.TryAdd(sighting.PartId, []);
                partsOfId[sighting.PartId][part.PartId] = partsOfId[sighting.PartId].GetValueOrDefault(part.PartId) + 1;
            }

            int? truePrimary = null;
            var largest = minArea;
            foreach (var part in rendered.Parts)
            {
                if (part.FullyVisible)
                {
                    wholeParts.Add(part.PartId);
                }

                var area = VisibleArea(part.Corners, line.Width, line.Height);
                if (area >= largest)
                {
                    largest = area;
                    truePrimary = part.PartId;
                }
            }

            frameIds.Add((tracked, truePrimary));
        }

        // An id stands for the true part it was seen on most; a frame is right when that part is the one most in view.
        var partOfId = partsOfId.ToDictionary(kv => kv.Key, kv => kv.Value.MaxBy(p => p.Value).Key);
        var wrongKinds = new List<string>();
        foreach (var (tracked, truth) in frameIds)
        {
            int? assigned = tracked is { } id && partOfId.TryGetValue(id, out var part) ? part : null;
            if (assigned != truth)
            {
                wrongKinds.Add(tracked is null ? "none-for-part" : truth is null ? "part-for-none" : "other-part");
            }
        }

        return new Score(
            wholeParts.Count,
            partsOfId.Count,
            partsOfId.Count(kv => kv.Value.Count > 1),
            wholeParts.Count(p => idsOfPart.TryGetValue(p, out var ids) && ids.Count > 1),
            wholeParts.Count(p => !idsOfPart.ContainsKey(p)),
            beltSightings,
            wrongKinds.Count,
            wrongKinds);
    }

    private static void TimeBesideModel(string modelPath, int threads, PartTrackerOptions options, TextWriter output)
    {
        const int Frames = 200;
        using var line = new SyntheticLine(1);
        var rendered = Enumerable.Range(0, Frames).Select(i => line.Render(100 + i)).ToList();
        try
        {
            using var detector = OnnxDetector.Load(
                new DetectorOptions { ModelPath = modelPath, ExecutionProviders = ["CPU"], IntraOpThreads = threads, WarmupRuns = 5 },
                NullLogger.Instance);
            using var tracker = new PartTracker(options);
            for (var i = 0; i < 20; i++)
            {
                tracker.Track(rendered[i].Frame);
                detector.Detect(rendered[i].Frame);
            }

            tracker.Reset();
            var trackTimes = new double[Frames];
            var detectTimes = new double[Frames];
            long trackBytes = 0;
            for (var i = 0; i < Frames; i++)
            {
                var frame = rendered[i].Frame;
                var before = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                tracker.Track(frame);
                trackTimes[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                trackBytes += GC.GetAllocatedBytesForCurrentThread() - before;
                start = Stopwatch.GetTimestamp();
                detector.Detect(frame);
                detectTimes[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(trackTimes);
            Array.Sort(detectTimes);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per frame on {Frames} frames (640×480), {Environment.ProcessorCount} cores, model on CPU with {threads} threads ({Path.GetFileName(modelPath)}):"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  tracker   median {trackTimes[Frames / 2]:F3} ms  p95 {trackTimes[Frames * 95 / 100]:F3} ms  allocated {trackBytes / Frames} B/frame"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  inference median {detectTimes[Frames / 2]:F3} ms  p95 {detectTimes[Frames * 95 / 100]:F3} ms  (tracker = {100 * trackTimes[Frames / 2] / detectTimes[Frames / 2]:F1}% of inference)"));
        }
        finally
        {
            rendered.ForEach(r => r.Dispose());
        }
    }

    /// <summary>Area of a convex outline clipped to the frame (Sutherland–Hodgman against the four edges).</summary>
    private static double VisibleArea(IReadOnlyList<(float X, float Y)> corners, int width, int height)
    {
        var polygon = corners.Select(c => ((double)c.X, (double)c.Y)).ToList();
        polygon = Clip(polygon, p => p.X >= 0, (a, b) => Cross(a, b, (a.X - 0) / (a.X - b.X)));
        polygon = Clip(polygon, p => p.X <= width, (a, b) => Cross(a, b, (a.X - width) / (a.X - b.X)));
        polygon = Clip(polygon, p => p.Y >= 0, (a, b) => Cross(a, b, (a.Y - 0) / (a.Y - b.Y)));
        polygon = Clip(polygon, p => p.Y <= height, (a, b) => Cross(a, b, (a.Y - height) / (a.Y - b.Y)));
        var area = 0.0;
        for (var i = 0; i < polygon.Count; i++)
        {
            var (ax, ay) = polygon[i];
            var (bx, by) = polygon[(i + 1) % polygon.Count];
            area += (ax * by) - (bx * ay);
        }

        return Math.Abs(area) / 2;

        static (double X, double Y) Cross((double X, double Y) a, (double X, double Y) b, double t) => (a.X + (t * (b.X - a.X)), a.Y + (t * (b.Y - a.Y)));
    }

    private static List<(double X, double Y)> Clip(
        List<(double X, double Y)> polygon, Func<(double X, double Y), bool> inside, Func<(double X, double Y), (double X, double Y), (double X, double Y)> cross)
    {
        var result = new List<(double X, double Y)>(polygon.Count + 2);
        for (var i = 0; i < polygon.Count; i++)
        {
            var current = polygon[i];
            var previous = polygon[(i + polygon.Count - 1) % polygon.Count];
            if (inside(current))
            {
                if (!inside(previous))
                {
                    result.Add(cross(previous, current));
                }

                result.Add(current);
            }
            else if (inside(previous))
            {
                result.Add(cross(previous, current));
            }
        }

        return result;
    }

    private sealed record Score(int TrueParts, int Ids, int Merged, int Split, int Missed, int BeltSightings, int WrongFrames, IReadOnlyList<string> WrongKinds);
}
