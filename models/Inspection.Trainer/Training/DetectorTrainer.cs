using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Quantization;
using Inspection.Trainer.Export;
using Inspection.Trainer.Validation;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>
/// Trains a <see cref="DetectorNet"/> on frames drawn on the fly from the synthetic line, then exports it to ONNX,
/// compares ONNX Runtime with TorchSharp on one input, and checks recall and precision on held-out lines.
/// Writes to the output folder: <c>detector.dat</c> (TorchSharp weights), <c>detector.onnx</c>, <c>loss.csv</c>
/// and <c>training.json</c> (the summary).
/// </summary>
public sealed partial class DetectorTrainer(TrainSettings settings, TimeProvider time, ILogger logger)
{
    /// <summary>Score threshold of the end-of-training check: the detector's default.</summary>
    public const float CheckScoreThreshold = 0.25f;

    private const int LogEvery = 25;
    private const int PrefetchBatches = 3;

    /// <summary>
    /// Steps libtorch may fail on before the run gives up. TorchSharp passes temporary Scalars to libtorch by handle;
    /// once in about 10 000 steps libtorch read one as garbage and raised (most likely freed by the garbage collector
    /// during the call). The batch is dropped and the step taken again, with a warning: such a run no longer repeats
    /// another step for step.
    /// </summary>
    private const int MaxLibTorchFailures = 3;

    /// <summary>Runs the whole training; returns the summary that is also written to <c>training.json</c>.</summary>
    public async Task<TrainingSummary> RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.OutputDirectory);
        var classCount = DefectClasses.Names.Count;
        torch.manual_seed(settings.Seed);
        torch.set_num_threads(Environment.ProcessorCount);
        using var model = new DetectorNet(classCount, settings.WidthMultiplier, settings.Dilations, settings.Residual);
        var priorSteps = 0;
        if (settings.InitWeights is { } init)
        {
            priorSteps = LoadStart(model, init);
        }
        else if (settings.InitOnnx is { } onnx)
        {
            priorSteps = OnnxStartWeights.Load(model, onnx);
            Log.StartedFromOnnx(logger, onnx, priorSteps);
            if (!settings.QuantAware)
            {
                Log.OnnxStartNotFrozen(logger);
            }
        }

        ExtraDataset? extra = null;
        if (settings.ExtraDataset is { } extraFolder)
        {
            try
            {
                extra = ExtraDataset.Open(extraFolder);
            }
            catch (InvalidDataException e)
            {
                throw new StartWeightsException($"--extra-dataset: {e.Message}", e);
            }

            Log.Extra(logger, extra.Root, extra.Images, extra.BackgroundImages, extra.Boxes, settings.ExtraShare, extra.HeldOutImages);
        }

        IReadOnlyDictionary<string, (float Min, float Max)>? ranges = null;
        if (settings.QuantAware)
        {
            ranges = MeasureRanges(model, cancellationToken);
            model.SimulateInt8(Int8Scales(ranges));
            Log.QuantAware(logger, ranges.Count, settings.RangePercentile);
        }

        var parameters = model.parameters().Sum(p => p.numel());
        Log.Starting(logger, settings.Steps, settings.ImageSize, settings.TrainSize, settings.BatchSize, settings.WidthMultiplier, parameters, model.ReceptiveField, settings.Seed);

        var started = time.GetTimestamp();
        var (curve, msPerStep) = await TrainAsync(model, classCount, extra, cancellationToken).ConfigureAwait(false);
        var trainingTime = time.GetElapsedTime(started);

        model.SimulateInt8(null);
        if (ranges is not null)
        {
            ActivationRangeFile.Write(Path.Combine(settings.OutputDirectory, RangesFileName), ranges);
        }

        model.eval();
        var weightsPath = Path.Combine(settings.OutputDirectory, "detector.dat");
        model.save(weightsPath);
        var onnxPath = Path.Combine(settings.OutputDirectory, "detector.onnx");
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        DetectorOnnxExporter.Build(model, settings.ImageSize, Describe(model, settings.ImageSize, settings.Steps, settings.Seed, priorSteps, settings.QuantAware), settings.ModelVersion, today)
            .Save(onnxPath);

        using var validation = new SyntheticSampler(SyntheticSampler.ValidationSeeds(settings.Seed), settings.Seed + 1, settings.ImageSize);
        var frames = ValidationFrames(settings.Seed, settings.ValidationFrames);
        var probe = validation.Load(frames[0].Seed, frames[0].Frame);
        var diff = ExportVerifier.MaxAbsDifference(model, onnxPath, probe.Pixels, settings.ImageSize);
        Log.Exported(logger, onnxPath, diff);

        var quality = QualityCheck.Run(onnxPath, validation, frames, CheckScoreThreshold, logger, cancellationToken);
        Log.Quality(logger, quality.Frames, quality.Defects, quality.Recall, quality.Precision, quality.ScoreThreshold);
        foreach (var (name, (defects, detections, matches)) in quality.PerClass)
        {
            Log.ClassQuality(logger, name, defects, detections, matches);
        }

        var summary = new TrainingSummary(
            settings, parameters, trainingTime.TotalSeconds, msPerStep, curve.First().Loss, curve.Last().Loss, diff,
            quality.Frames, quality.Defects, quality.Detections, quality.TruePositives, quality.Recall, quality.Precision,
            onnxPath, weightsPath);
        await File.WriteAllTextAsync(
                Path.Combine(settings.OutputDirectory, "training.json"),
                JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }),
                cancellationToken)
            .ConfigureAwait(false);
        return summary;
    }

    /// <summary>The <c>description</c> metadata of an exported model.</summary>
    public static string Describe(DetectorNet model, int imageSize, int steps, int seed, int priorSteps = 0, bool quantAware = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        var dilated = model.Dilations.Any(d => d != 1) ? $", dilations {string.Join(",", model.Dilations)}" : string.Empty;
        var residual = model.Residual ? ", residual" : string.Empty;
        var training = (priorSteps, quantAware) switch
        {
            (0, false) => $"{steps} steps",
            (0, true) => $"{steps} quantization-aware steps",
            (_, false) => $"{priorSteps} + {steps} steps",
            _ => $"{priorSteps} + {steps} quantization-aware steps",
        };
        return $"Defect detector {imageSize}px ×{model.WidthMultiplier.ToString(CultureInfo.InvariantCulture)}{dilated}{residual} ({training}, seed {seed})";
    }

    /// <summary>The ranges file a quantization-aware run writes beside its model.</summary>
    public const string RangesFileName = "activation-ranges.json";

    /// <summary>The int8 scale of each conv input (the image, then each stage's output) from measured ranges.</summary>
    public static float[] Int8Scales(IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        return [.. Enumerable.Range(0, DetectorNet.StageCount + 1).Select(i =>
        {
            var name = i == 0 ? DetectorOnnxExporter.InputName : DetectorOnnxExporter.StageOutputName(i - 1);
            if (!ranges.TryGetValue(name, out var range))
            {
                throw new InvalidOperationException($"No activation range was measured for '{name}'.");
            }

            return new ActivationRange(range.Min, range.Max).ToInt8Scale();
        })];
    }

    /// <summary>Loads the start weights; returns the steps they were trained for (from the run's training.json, else 0).</summary>
    /// <exception cref="StartWeightsException">The file is missing or holds weights of another network.</exception>
    private int LoadStart(DetectorNet model, string path)
    {
        if (!File.Exists(path))
        {
            throw new StartWeightsException($"No start weights at '{path}'.");
        }

        try
        {
            model.load(path);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            throw new StartWeightsException(
                $"'{path}' does not hold weights of a width-{model.WidthMultiplier.ToString(CultureInfo.InvariantCulture)} detector with dilations {string.Join(" ", model.Dilations)}{(model.Residual ? ", residual," : string.Empty)} and {model.ClassCount} classes: {e.Message}",
                e);
        }

        var summaryPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "training.json");
        var prior = 0;
        if (File.Exists(summaryPath))
        {
            using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
            if (summary.RootElement.TryGetProperty("Settings", out var s) && s.TryGetProperty("Steps", out var steps))
            {
                prior = steps.GetInt32();
            }
        }

        Log.Started(logger, path, prior);
        return prior;
    }

    /// <summary>Exports the start weights and measures their activation ranges the way <c>quantize</c> does.</summary>
    private IReadOnlyDictionary<string, (float Min, float Max)> MeasureRanges(DetectorNet model, CancellationToken cancellationToken)
    {
        model.eval();
        var probe = Path.Combine(settings.OutputDirectory, "start.onnx");
        DetectorOnnxExporter.Build(model, settings.ImageSize, "start weights of a quantization-aware run", settings.ModelVersion, DateOnly.MinValue)
            .Save(probe);
        try
        {
            return ModelQuantizer.MeasureRanges(
                new QuantizationSettings(probe, probe + ".unused", settings.Seed, Percentile: settings.RangePercentile), TextWriter.Null, cancellationToken);
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>Validation frames: evenly spread over the held-out lines, a pure function of the seed.</summary>
    public static IReadOnlyList<(int Seed, long Frame)> ValidationFrames(int seed, int count)
    {
        var seeds = SyntheticSampler.ValidationSeeds(seed);
        var random = new Random(seed ^ 0x5eed);
        return [.. Enumerable.Range(0, count).Select(i => (seeds[i % seeds.Count], (long)random.Next(SyntheticSampler.FramesPerLine)))];
    }

    private async Task<(List<(int Step, float Loss)> Curve, double MsPerStep)> TrainAsync(DetectorNet model, int classCount, ExtraDataset? extra, CancellationToken cancellationToken)
    {
        model.train();
        using var optimizer = torch.optim.AdamW(model.parameters(), settings.LearningRate, weight_decay: 5e-4);
        var batches = Channel.CreateBounded<(float[] Pixels, CellTargets Targets)>(PrefetchBatches);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Rendering runs beside the optimizer so a step does not wait for 16 frames to be drawn.
        var producer = Task.Run(() => ProduceAsync(batches.Writer, classCount, extra, stop.Token), stop.Token);
        var curve = new List<(int Step, float Loss)>();
        var log = new StringBuilder("step,lr,loss,class,box,ms_per_step\n");
        var warmup = Math.Max(1, Math.Min(100, settings.Steps / 10));
        var windowStart = time.GetTimestamp();
        var measuredFrom = time.GetTimestamp();
        var measuredSteps = 0;
        double sumLoss = 0, sumClass = 0, sumBox = 0;
        var libTorchFailures = 0;
        try
        {
            for (var step = 1; step <= settings.Steps; step++)
            {
                if (step == Math.Min(11, settings.Steps))
                {
                    // The first steps pay for allocator and thread-pool warm-up; the reported step time excludes them.
                    measuredFrom = time.GetTimestamp();
                    measuredSteps = 0;
                }

                var (pixels, targets) = await batches.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var lr = LearningRate(step, warmup);
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                float classLoss, boxLoss;
                try
                {
                    (classLoss, boxLoss) = Step(model, optimizer, pixels, targets, classCount);
                }
                catch (ExternalException e) when (++libTorchFailures <= MaxLibTorchFailures)
                {
                    // libtorch raised on one step (see MaxLibTorchFailures): drop the batch and take the step again.
                    var error = e.Message.ReplaceLineEndings(" ");
                    Log.StepFailed(logger, step, error[..Math.Min(200, error.Length)], libTorchFailures, MaxLibTorchFailures);
                    step--;
                    continue;
                }

                var loss = classLoss + (DetectionLoss.BoxWeight * boxLoss);
                if (!float.IsFinite(loss))
                {
                    throw NonFiniteLossException.At(loss, step, lr, settings, Native.OneDnnIsaLimit.Describe());
                }

                sumLoss += loss;
                sumClass += classLoss;
                sumBox += boxLoss;

                measuredSteps++;
                if (step % LogEvery == 0 || step == settings.Steps)
                {
                    var n = step % LogEvery == 0 ? LogEvery : step % LogEvery;
                    var ms = time.GetElapsedTime(windowStart).TotalMilliseconds / n;
                    var mean = (float)(sumLoss / n);
                    curve.Add((step, mean));
                    log.Append(CultureInfo.InvariantCulture, $"{step},{lr:G4},{mean:F4},{sumClass / n:F4},{sumBox / n:F4},{ms:F0}\n");
                    Log.Step(logger, step, settings.Steps, mean, sumClass / n, sumBox / n, lr, ms);
                    sumLoss = sumClass = sumBox = 0;
                    windowStart = time.GetTimestamp();
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected: the producer is stopped once the steps are done.
            }

            await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "loss.csv"), log.ToString(), CancellationToken.None).ConfigureAwait(false);
        }

        return (curve, time.GetElapsedTime(measuredFrom).TotalMilliseconds / Math.Max(1, measuredSteps));
    }

    private (float Class, float Box) Step(DetectorNet model, torch.optim.Optimizer optimizer, float[] pixels, CellTargets targets, int classCount)
    {
        using var scope = NewDisposeScope();
        var input = tensor(pixels, [settings.BatchSize, 3, settings.TrainSize, settings.TrainSize]);
        var raw = model.forward(input);
        var terms = DetectionLoss.Compute(raw, targets, classCount);
        optimizer.zero_grad();
        terms.Total.backward();
        optimizer.step();
        return (terms.Class, terms.Box);
    }

    private async Task ProduceAsync(
        ChannelWriter<(float[] Pixels, CellTargets Targets)> writer, int classCount, ExtraDataset? extra, CancellationToken cancellationToken)
    {
        using var sampler = new SyntheticSampler(SyntheticSampler.TrainSeeds(settings.Seed), settings.Seed, settings.ImageSize);
        // A stream of its own: without --extra-dataset the synthetic draw is the same frame for frame as before.
        var extraRandom = new Random(settings.Seed ^ 0x3e7a);
        using var extraBuffer = new OpenCvSharp.Mat();
        var plane = 3 * settings.TrainSize * settings.TrainSize;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var batch = new List<LabeledImage>(settings.BatchSize);
                var pixels = new float[settings.BatchSize * plane];
                for (var i = 0; i < settings.BatchSize; i++)
                {
                    LabeledImage image;
                    if (extra is not null && extraRandom.NextDouble() < settings.ExtraShare)
                    {
                        var (full, geometry) = extra.Next(extraRandom, settings.ImageSize, extraBuffer);
                        image = SyntheticSampler.Crop(full, settings.TrainSize, settings.ImageSize, geometry, extraRandom);
                    }
                    else
                    {
                        image = settings.TrainCrop > 0 ? sampler.NextCrop(settings.TrainCrop) : sampler.Next();
                    }

                    image.Pixels.CopyTo(pixels, i * plane);
                    batch.Add(image);
                }

                var targets = CellAssigner.Assign(batch, settings.TrainSize, DetectorNet.Stride, classCount);
                await writer.WriteAsync((pixels, targets), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            writer.TryComplete(ex);
            throw;
        }
    }

    private double LearningRate(int step, int warmup)
    {
        if (step <= warmup)
        {
            return settings.LearningRate * step / warmup;
        }

        var progress = (double)(step - warmup) / Math.Max(1, settings.Steps - warmup);
        var floor = 0.05;
        return settings.LearningRate * (floor + ((1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Training {Steps} steps at {ImageSize}px (seen as {TrainSize}px squares), batch {BatchSize}, width {WidthMultiplier}: {Parameters} parameters, receptive field {ReceptiveField} px, seed {Seed}")]
        public static partial void Starting(ILogger logger, int steps, int imageSize, int trainSize, int batchSize, double widthMultiplier, long parameters, int receptiveField, int seed);

        [LoggerMessage(6, LogLevel.Information, "Starting from {Path} ({PriorSteps} steps trained)")]
        public static partial void Started(ILogger logger, string path, int priorSteps);

        [LoggerMessage(9, LogLevel.Information, "Starting from {Path}: float weights, BatchNorm set to the identity ({PriorSteps} steps trained, as its description says)")]
        public static partial void StartedFromOnnx(ILogger logger, string path, int priorSteps);

        [LoggerMessage(10, LogLevel.Warning,
            "Started from an ONNX file without --quant-aware: the BatchNorm layers train on batch statistics and leave the identity from the first step; --quant-aware keeps them frozen")]
        public static partial void OnnxStartNotFrozen(ILogger logger);

        [LoggerMessage(11, LogLevel.Information,
            "Mixing in {Root}: {Images} images ({Background} background, {Boxes} boxes), {Share:P0} of each batch; {HeldOut} validation-split images left out")]
        public static partial void Extra(ILogger logger, string root, int images, int background, int boxes, double share, int heldOut);

        [LoggerMessage(7, LogLevel.Information,
            "Quantization-aware: int8 simulated at {Count} conv inputs with ranges measured on the start weights (p{Percentile}), held fixed")]
        public static partial void QuantAware(ILogger logger, int count, double percentile);

        [LoggerMessage(8, LogLevel.Warning,
            "libtorch failed on step {Step} ({Error}); batch dropped, step taken again ({Failures} of {MaxFailures} allowed). This run no longer repeats another step for step.")]
        public static partial void StepFailed(ILogger logger, int step, string error, int failures, int maxFailures);

        [LoggerMessage(2, LogLevel.Information,
            "step {Step}/{Steps} loss {Loss:F4} (class {ClassLoss:F4}, box {BoxLoss:F4}) lr {LearningRate:G3} {MsPerStep:F0} ms/step")]
        public static partial void Step(ILogger logger, int step, int steps, float loss, double classLoss, double boxLoss, double learningRate, double msPerStep);

        [LoggerMessage(3, LogLevel.Information, "Exported {Path}; ONNX Runtime vs TorchSharp max abs diff {Difference:E2}")]
        public static partial void Exported(ILogger logger, string path, float difference);

        [LoggerMessage(4, LogLevel.Information,
            "Validation on {Frames} held-out frames, {Defects} defects: recall {Recall:P1}, precision {Precision:P1} at IoU 0.5, score ≥ {Threshold}")]
        public static partial void Quality(ILogger logger, int frames, int defects, double recall, double precision, float threshold);

        [LoggerMessage(5, LogLevel.Information, "  {ClassName}: {Defects} defects, {Detections} detections, {Matches} matched")]
        public static partial void ClassQuality(ILogger logger, string className, int defects, int detections, int matches);
    }
}
