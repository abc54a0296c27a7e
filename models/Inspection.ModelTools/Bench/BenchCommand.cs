using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.Detection;
using Inspection.ModelTools.Line;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inspection.ModelTools.Bench;

/// <summary>
/// <c>bench</c>: the edge pipeline (<see cref="OnnxDetector.Detect"/>: letterbox, inference, decode, NMS) against a
/// bare <see cref="InferenceSession.Run(IReadOnlyCollection{NamedOnnxValue})"/> on the same model and the same frames,
/// interleaved in one run so both see the same machine load. Prints times and their ratio, and the managed
/// memory the pipeline allocates per frame. Measures; asserts nothing.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The .onnx model.", DefaultValueFactory = _ => new FileInfo("models/edge/inspection-edge.onnx") };
        var frames = new Option<int>("--frames") { Description = "Timed frames per side.", DefaultValueFactory = _ => 300 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: its default).", DefaultValueFactory = _ => 1 };
        var scoreThreshold = new Option<float>("--score-threshold") { Description = "Detector:ScoreThreshold for the pipeline.", DefaultValueFactory = _ => new DetectorOptions().ScoreThreshold };
        var command = new Command("bench", "Time the detection pipeline against a bare InferenceSession.Run on the same model, side by side.")
        {
            model, frames, threads, scoreThreshold,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var file = parse.GetValue(model)!;
            if (!file.Exists)
            {
                Console.Error.WriteLine($"No model at '{file.FullName}'.");
                return Task.FromResult(2);
            }

            Run(file.FullName, Math.Max(10, parse.GetValue(frames)), parse.GetValue(threads), parse.GetValue(scoreThreshold), cancellationToken);
            return Task.FromResult(0);
        });
        return command;
    }

    private static void Run(string modelPath, int frames, int threads, float scoreThreshold, CancellationToken cancellationToken)
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
            Console.WriteLine(string.Create(inv, $"model        {detector.Model.Name} {detector.Model.Version} ({detector.Model.InputWidth}x{detector.Model.InputHeight}), {detector.ExecutionProvider}, {threads} thread(s), score threshold {scoreThreshold}, {frames} frames of 640x480"));
            Console.WriteLine(string.Create(inv, $"pipeline     {pipelineMs,8:0.000} ms/frame  (letterbox + Run + decode + NMS; {allocated / (double)frames,7:0} B allocated/frame)"));
            Console.WriteLine(string.Create(inv, $"raw Run      {rawMs,8:0.000} ms/frame  (InferenceSession.Run on a ready tensor)"));
            Console.WriteLine(string.Create(inv, $"ratio        {pipelineMs / rawMs,8:0.00}x"));
        }
        finally
        {
            foreach (var frame in rendered)
            {
                frame.Dispose();
            }
        }
    }
}
