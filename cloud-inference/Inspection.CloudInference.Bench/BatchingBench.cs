using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.CloudInference.Escalations;
using Inspection.Detection;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace Inspection.CloudInference.Bench;

/// <summary>
/// <c>bench-batching</c>: the cloud's own batcher (<see cref="CloudDetector"/>) on the real cloud model (ONNX Runtime,
/// CPU here), fed synthetic line frames by C concurrent callers, once per batching setting in one run: unbatched
/// (MaxBatchSize 1) beside several MaxBatchSize / MaxWait settings. Prints throughput, p50 / p99 latency per frame
/// (queue wait included) and the mean batch size. Measures; asserts nothing.
/// </summary>
public static class BatchingBench
{
    public static Command Create()
    {
        var frames = new Option<int>("--frames") { Description = "Frames per setting.", DefaultValueFactory = _ => 96 };
        var callers = new Option<int>("--callers") { Description = "Concurrent callers (as many gRPC streams).", DefaultValueFactory = _ => 8 };
        var settings = new Option<string>("--settings")
        {
            Description = "MaxBatchSize:MaxWaitMilliseconds pairs, comma-separated; 1:0 is unbatched.",
            DefaultValueFactory = _ => "1:0,2:5,4:5,8:5,8:20",
        };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: its default).", DefaultValueFactory = _ => 0 };
        var model = new Option<FileInfo>("--model") { Description = "The cloud model.", DefaultValueFactory = _ => new FileInfo(Path.Combine(BenchPaths.RepositoryRoot(), "models", ShippedModels.Cloud)) };
        var command = new Command("bench-batching", "Throughput and latency of the cloud model batched against unbatched, from concurrent callers.")
        {
            frames, callers, settings, threads, model,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var path = parse.GetValue(model)!.FullName;
            if (!File.Exists(path))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bench-batching: no model at '{path}'.").ConfigureAwait(false);
                return 2;
            }

            List<(int MaxBatch, int MaxWait)> plan;
            try
            {
                plan = [.. parse.GetValue(settings)!.Split(',').Select(Setting)];
            }
            catch (FormatException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bench-batching: --settings: {e.Message}").ConfigureAwait(false);
                return 2;
            }

            var n = Math.Max(1, parse.GetValue(frames));
            var c = Math.Max(1, parse.GetValue(callers));
            var rendered = Render(Math.Min(n, 32));
            try
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench-batching: {Path.GetFileName(path)}, {n} frames per setting from {c} concurrent callers, {Environment.ProcessorCount} logical CPUs ({BenchPaths.Cpu()})"));
                output.WriteLine("| MaxBatchSize | MaxWait ms | frames/s | p50 ms | p99 ms | mean batch |");
                output.WriteLine("|---:|---:|---:|---:|---:|---:|");
                foreach (var (maxBatch, maxWait) in plan)
                {
                    var row = await RunAsync(path, rendered, n, c, maxBatch, maxWait, parse.GetValue(threads), cancellationToken).ConfigureAwait(false);
                    output.WriteLine(row);
                }
            }
            finally
            {
                rendered.ForEach(f => f.Dispose());
            }

            return 0;
        });
        return command;
    }

    private static async Task<string> RunAsync(string modelPath, List<Mat> frames, int count, int callers, int maxBatch, int maxWait, int threads, CancellationToken cancellationToken)
    {
        var detectorOptions = new DetectorOptions
        {
            ModelPath = modelPath,
            ExecutionProviders = ["CPU"],
            ScoreThreshold = ShippedModels.CloudBand.Lower,
            IouThreshold = ShippedModels.NmsIou,
            IntraOpThreads = threads,
            WarmupRuns = 1,
        };

        // A queue that never refuses: this measures batching, not backpressure.
        var batching = new BatchingOptions { MaxBatchSize = maxBatch, MaxWaitMilliseconds = maxWait, QueueCapacity = Math.Max(64, callers * 2) };
        using var cloud = new CloudDetector(
            (options, logger) => OnnxDetector.Load(options, logger),
            Options.Create(detectorOptions),
            Options.Create(batching),
            new HostingEnvironment { ContentRootPath = Path.GetDirectoryName(modelPath)! },
            TimeProvider.System,
            NullLogger<CloudDetector>.Instance);
        await cloud.StartAsync(cancellationToken).ConfigureAwait(false);

        // One full round per caller first, so the batch shapes ONNX Runtime meets are warm before anything is timed.
        await Task.WhenAll(Enumerable.Range(0, callers).Select(i => cloud.DetectAsync(frames[i % frames.Count], cancellationToken))).ConfigureAwait(false);
        var (batchesBefore, framesBefore) = (cloud.Batches, cloud.BatchedFrames);

        var latencies = new double[count];
        var next = -1;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await cloud.DetectAsync(frames[index % frames.Count], cancellationToken).ConfigureAwait(false);
                latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, cancellationToken))).ConfigureAwait(false);
        wall.Stop();
        await cloud.StopAsync(cancellationToken).ConfigureAwait(false);

        Array.Sort(latencies);
        var batches = cloud.Batches - batchesBefore;
        var meanBatch = batches == 0 ? 0 : (double)(cloud.BatchedFrames - framesBefore) / batches;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {maxBatch} | {maxWait} | {count / wall.Elapsed.TotalSeconds:0.0} | {Percentile(latencies, 0.50):0} | {Percentile(latencies, 0.99):0} | {meanBatch:0.00} |");
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static (int, int) Setting(string pair)
    {
        var parts = pair.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var maxBatch) || maxBatch is < 1 or > 256
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var maxWait) || maxWait > 1000)
        {
            throw new FormatException($"'{pair}' is not MaxBatchSize:MaxWaitMilliseconds (1-256 : 0-1000), e.g. 8:5.");
        }

        return (maxBatch, maxWait);
    }

    // Frames of the synthetic line (parts, defects, belt, lighting drift): what an escalated frame looks like.
    private static List<Mat> Render(int count)
    {
        using var line = new SyntheticLine(11, 640, 480);
        return [.. Enumerable.Range(0, count).Select(i => line.Render(i * 7L).Frame)];
    }
}
