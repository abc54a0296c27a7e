using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.Detection;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Timing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace Inspection.ModelTools.Bench;

/// <summary>
/// <c>bench</c>: the edge pipeline (<see cref="OnnxDetector.Detect"/>: letterbox, inference, decode, NMS) against a
/// bare <see cref="InferenceSession.Run(IReadOnlyCollection{NamedOnnxValue})"/> on the same model and the same frames,
/// interleaved in one run so both see the same machine load. Prints times and their ratio, and the managed
/// memory the pipeline allocates per frame. With <c>--compare</c>, also times a bare Run of a second model
/// interleaved with the first on the same frames (e.g. the int8 edge model against its fp32 twin, or against
/// the YOLOv8n-cost timing graph from <c>build-timing</c>) and prints their ratio. Measures; asserts nothing.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The .onnx model.", DefaultValueFactory = _ => new FileInfo("models/edge/inspection-edge.onnx") };
        var compare = new Option<FileInfo?>("--compare")
        {
            Description = "A second .onnx model: times InferenceSession.Run of both, interleaved on the same letterboxed frames, and prints their ratio (e.g. the int8 edge model against its fp32 twin).",
        };
        var frames = new Option<int>("--frames") { Description = "Timed frames per side.", DefaultValueFactory = _ => 300 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: its default).", DefaultValueFactory = _ => 1 };
        var scoreThreshold = new Option<float>("--score-threshold") { Description = "Detector:ScoreThreshold for the pipeline.", DefaultValueFactory = _ => new DetectorOptions().ScoreThreshold };
        var command = new Command("bench", "Time the detection pipeline against a bare InferenceSession.Run on the same model, side by side.")
        {
            model, compare, frames, threads, scoreThreshold,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var file = parse.GetValue(model)!;
            var other = parse.GetValue(compare);
            if (!Exists(file, stderr) || (other is not null && !Exists(other, stderr)))
            {
                return Task.FromResult(2);
            }

            try
            {
                Run(file.FullName, other?.FullName, Math.Max(10, parse.GetValue(frames)), parse.GetValue(threads), parse.GetValue(scoreThreshold), stdout, cancellationToken);
            }
            catch (Exception e) when (e is ModelContractException or OnnxRuntimeException or FormatException)
            {
                stderr.WriteLine($"bench: {e.Message}");
                return Task.FromResult(1);
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static bool Exists(FileInfo file, TextWriter stderr)
    {
        if (file.Exists)
        {
            return true;
        }

        stderr.WriteLine($"No model at '{file.FullName}'.");
        if (TimingGraphBuilder.IsTimingGraphPath(file.FullName))
        {
            stderr.WriteLine(TimingGraphBuilder.HowToGenerate(file.FullName));
        }

        return false;
    }

    private static void Run(string modelPath, string? comparePath, int frames, int threads, float scoreThreshold, TextWriter output, CancellationToken cancellationToken)
    {
        using var detector = OnnxDetector.Load(
            new DetectorOptions { ModelPath = modelPath, ExecutionProviders = ["CPU"], IntraOpThreads = threads, WarmupRuns = 5, ScoreThreshold = scoreThreshold },
            NullLogger.Instance);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads };
        using var session = new InferenceSession(modelPath, sessionOptions);
        var input = session.InputMetadata.First();
        var dims = input.Value.Dimensions.Select(d => d <= 0 ? 1 : d).ToArray();
        var tensor = new DenseTensor<float>(dims);
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(input.Key, tensor) };

        var line = new SyntheticLine(seed: 3);
        var rendered = Enumerable.Range(0, 30).Select(i => line.Render(40 + i)).ToList();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                detector.Detect(rendered[i % rendered.Count].Frame);
                using var warm = session.Run(inputs);
            }

            var pipeline = new Stopwatch();
            var raw = new Stopwatch();
            long allocated = 0;
            for (var i = 0; i < frames && !cancellationToken.IsCancellationRequested; i++)
            {
                var frame = rendered[i % rendered.Count].Frame;
                var before = GC.GetAllocatedBytesForCurrentThread();
                pipeline.Start();
                detector.Detect(frame);
                pipeline.Stop();
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;

                raw.Start();
                using (session.Run(inputs))
                {
                }

                raw.Stop();
            }

            var pipelineMs = pipeline.Elapsed.TotalMilliseconds / frames;
            var rawMs = raw.Elapsed.TotalMilliseconds / frames;
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(inv, $"model        {detector.Model.Name} {detector.Model.Version} ({detector.Model.InputWidth}x{detector.Model.InputHeight}), {detector.ExecutionProvider}, {threads} thread(s), score threshold {scoreThreshold}, {frames} frames of 640x480"));
            output.WriteLine(string.Create(inv, $"pipeline     {pipelineMs,8:0.000} ms/frame  (letterbox + Run + decode + NMS; {allocated / (double)frames,7:0} B allocated/frame)"));
            output.WriteLine(string.Create(inv, $"raw Run      {rawMs,8:0.000} ms/frame  (InferenceSession.Run on a ready tensor)"));
            output.WriteLine(string.Create(inv, $"ratio        {pipelineMs / rawMs,8:0.00}x"));
            if (comparePath is not null)
            {
                Compare(session, modelPath, comparePath, threads, rendered.ConvertAll(r => r.Frame), frames, output, cancellationToken);
            }
        }
        finally
        {
            foreach (var frame in rendered)
            {
                frame.Dispose();
            }
        }
    }

    /// <summary>
    /// Times <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
    /// of two models on the same letterboxed frames, interleaved frame by frame (alternating which goes first)
    /// so both see the same machine load.
    /// </summary>
    private static void Compare(
        InferenceSession sessionA, string pathA, string pathB, int threads, List<Mat> frames, int count, TextWriter output, CancellationToken cancellationToken)
    {
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads };
        using var sessionB = new InferenceSession(pathB, sessionOptions);
        using var runOptions = new RunOptions();
        using var a = new LetterboxedInput(sessionA, pathA);
        using var b = new LetterboxedInput(sessionB, pathB);
        for (var i = 0; i < 5; i++)
        {
            a.Fill(frames[i % frames.Count]);
            a.Run(runOptions);
            b.Fill(frames[i % frames.Count]);
            b.Run(runOptions);
        }

        var timeA = new Stopwatch();
        var timeB = new Stopwatch();
        var timed = 0;
        for (; timed < count && !cancellationToken.IsCancellationRequested; timed++)
        {
            var frame = frames[timed % frames.Count];
            a.Fill(frame);
            b.Fill(frame);
            var (first, firstTime, second, secondTime) = timed % 2 == 0 ? (a, timeA, b, timeB) : (b, timeB, a, timeA);
            firstTime.Start();
            first.Run(runOptions);
            firstTime.Stop();
            secondTime.Start();
            second.Run(runOptions);
            secondTime.Stop();
        }

        var msA = timeA.Elapsed.TotalMilliseconds / Math.Max(1, timed);
        var msB = timeB.Elapsed.TotalMilliseconds / Math.Max(1, timed);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"compare A    {msA,8:0.000} ms/frame  {Path.GetFileName(pathA)} ({a.Width}x{a.Height}; InferenceSession.Run on the same letterboxed frames, interleaved)"));
        output.WriteLine(string.Create(inv, $"compare B    {msB,8:0.000} ms/frame  {Path.GetFileName(pathB)} ({b.Width}x{b.Height})"));
        output.WriteLine(string.Create(inv, $"ratio B/A    {msB / msA,8:0.00}x"));
    }
}
