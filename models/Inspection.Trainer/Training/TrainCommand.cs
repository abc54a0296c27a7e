using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Inspection.Trainer.Native;
using Microsoft.Extensions.Logging;

namespace Inspection.Trainer.Training;

/// <summary>
/// <c>train</c>: trains a detector on the synthetic line and exports it, e.g.
/// <c>train --out models/generated/train --steps 3000 --imgsz 320 --seed 1</c>.
/// </summary>
public static class TrainCommand
{
    public static Command Create(ILoggerFactory loggers)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (created if missing).", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 3000 };
        var imageSize = new Option<int>("--imgsz") { Description = "Square network input in pixels, a multiple of 8.", DefaultValueFactory = _ => 320 };
        var seed = new Option<int>("--seed") { Description = "Seeds weights, frames and the training/validation lines.", DefaultValueFactory = _ => 1 };
        var width = new Option<double>("--width-mult") { Description = "Channel width multiplier (0.25–4).", DefaultValueFactory = _ => 1.0 };
        var batch = new Option<int>("--batch") { Description = "Frames per step.", DefaultValueFactory = _ => 16 };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 0.002 };
        var validationFrames = new Option<int>("--val-frames") { Description = "Held-out frames for the end-of-training check.", DefaultValueFactory = _ => 300 };
        var trainCrop = new Option<int>("--train-crop")
        {
            Description = "Train on random square crops of this many pixels of the --imgsz input (0: the whole input); the export takes the whole input.",
            DefaultValueFactory = _ => 0,
        };
        var modelVersion = new Option<string>("--model-version")
        {
            Description = "Version written into the model's metadata.",
            DefaultValueFactory = _ => TrainSettings.DefaultModelVersion,
        };
        var dilations = DilationOption.Create(
            "One dilation per conv stage, e.g. 1 1 1 1 1 2 4: dilating the last stride-1 stages widens the receptive field at no cost in weights.");
        var initWeights = new Option<FileInfo?>("--init-weights")
        {
            Description = "Start from these weights (detector.dat of an earlier run with the same --width-mult and --dilations).",
        };
        var initOnnx = new Option<FileInfo?>("--init-onnx")
        {
            Description = "Start from the float weights of an ONNX file this trainer exported (e.g. models/edge/inspection-edge-fp32.onnx), BatchNorm set to the identity; the same --width-mult, --dilations and --residual.",
        };
        var quantAware = new Option<bool>("--quant-aware")
        {
            Description = "Fine-tune with int8 simulated, ranges measured once on the start weights; writes activation-ranges.json for 'quantize --ranges'.",
        };
        var extraDataset = new Option<DirectoryInfo?>("--extra-dataset")
        {
            Description = "An Ultralytics dataset folder (data.yaml with the model's class names, images/, labels/), e.g. reviewed parts; its images are mixed into the batches.",
        };
        var extraShare = new Option<double>("--extra-share")
        {
            Description = "Share of each batch drawn from --extra-dataset (0–1).",
            DefaultValueFactory = _ => TrainSettings.DefaultExtraShare,
        };
        extraShare.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value is > 0 and <= 1))
            {
                result.AddError($"--extra-share must be above 0 and at most 1 (0.25: a quarter of each batch), got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        var rangePercentile = new Option<double>("--range-percentile")
        {
            Description = "Percentile of |activation| the --quant-aware ranges are clipped to (as quantize --percentile).",
            DefaultValueFactory = _ => 99.999,
        };
        rangePercentile.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0 && value <= 100))
            {
                result.AddError($"--range-percentile must be above 0 and at most 100, got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        var residual = new Option<bool>("--residual")
        {
            Description = "Residual stride-1 stages: each adds its input to its output where the channels match (stages 2, 4, 6).",
        };
        AddRange(steps, 1, 1_000_000, "--steps must be between 1 and 1000000.");
        AddRange(batch, 1, 256, "--batch must be between 1 and 256 frames.");
        AddRange(validationFrames, 1, 100_000, "--val-frames must be between 1 and 100000.");
        AddRange(seed, 0, 2_000_000, "--seed must be between 0 and 2000000 (line seeds are derived as seed × 1000 + n).");
        imageSize.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < 64 || value > 1280 || value % DetectorNet.Stride != 0)
            {
                result.AddError($"--imgsz must be a multiple of {DetectorNet.Stride} between 64 and 1280, got {value}.");
            }
        });
        width.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= 0.25 && value <= 4))
            {
                result.AddError($"--width-mult must be between 0.25 and 4, got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        learningRate.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0 && value <= 1))
            {
                result.AddError($"--lr must be a positive number up to 1, got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });

        var command = new Command("train", "Train a detector on the synthetic line, export it to ONNX and check it on held-out lines.")
        {
            output, steps, imageSize, seed, width, batch, learningRate, validationFrames, trainCrop, modelVersion, dilations, initWeights, quantAware, rangePercentile, residual, initOnnx, extraDataset, extraShare,
        };
        command.Validators.Add(result =>
        {
            var crop = result.GetValue(trainCrop);
            var size = result.GetValue(imageSize);
            if (crop != 0 && (crop < 64 || crop > size || crop % DetectorNet.Stride != 0))
            {
                result.AddError($"--train-crop must be 0 or a multiple of {DetectorNet.Stride} between 64 and --imgsz ({size}), got {crop}.");
            }

            if (result.GetValue(initWeights) is { Exists: false } missing)
            {
                result.AddError($"--init-weights: no file at '{missing.FullName}'.");
            }

            if (result.GetValue(initOnnx) is { Exists: false } missingOnnx)
            {
                result.AddError($"--init-onnx: no file at '{missingOnnx.FullName}'.");
            }

            if (result.GetValue(initWeights) is not null && result.GetValue(initOnnx) is not null)
            {
                result.AddError("Give one start: --init-weights (a detector.dat) or --init-onnx (an exported float model), not both.");
            }

            if (result.GetValue(quantAware) && result.GetValue(initWeights) is null && result.GetValue(initOnnx) is null)
            {
                result.AddError("--quant-aware fine-tunes trained weights: give them with --init-weights or --init-onnx.");
            }

            if (result.GetValue(extraDataset) is { } extra && ExtraDataset.Problem(extra.FullName) is { } problem)
            {
                result.AddError($"--extra-dataset: {problem}");
            }

        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var logger = loggers.CreateLogger("Inspection.Trainer");
            TorchNatives.Prepare(logger);
            var settings = new TrainSettings(
                parse.GetValue(output)!.FullName,
                parse.GetValue(steps),
                parse.GetValue(imageSize),
                parse.GetValue(seed),
                parse.GetValue(width),
                parse.GetValue(batch),
                parse.GetValue(learningRate),
                parse.GetValue(validationFrames),
                parse.GetValue(trainCrop),
                parse.GetValue(modelVersion)!,
                parse.GetValue(dilations),
                parse.GetValue(initWeights)?.FullName,
                parse.GetValue(quantAware),
                parse.GetValue(rangePercentile),
                parse.GetValue(residual),
                parse.GetValue(initOnnx)?.FullName,
                parse.GetValue(extraDataset)?.FullName,
                parse.GetValue(extraShare));
            try
            {
                await TrainAsync(settings, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (StartWeightsException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"train: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            catch (NonFiniteLossException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"train: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            return 0;
        });
        return command;
    }

    // Separate from the action so no TorchSharp type is touched before the native bridge is patched.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task TrainAsync(TrainSettings settings, ILogger logger, CancellationToken cancellationToken) =>
        new DetectorTrainer(settings, TimeProvider.System, logger).RunAsync(cancellationToken);

    private static void AddRange(Option<int> option, int min, int max, string message) =>
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                result.AddError($"{message} Got {value}.");
            }
        });
}
