using System.CommandLine;
using System.Runtime.CompilerServices;
using Inspection.ModelTools.Line;
using Inspection.Trainer.Native;
using Inspection.Trainer.Training;
using Microsoft.Extensions.Logging;

namespace Inspection.Trainer.Export;

/// <summary>
/// <c>export</c>: writes saved TorchSharp weights (<c>detector.dat</c> of a <c>train</c> run) to ONNX again, e.g. to
/// give an existing model a new version or input size without training it again, and checks the file against
/// TorchSharp on one held-out frame.
/// </summary>
public static class ExportCommand
{
    public static Command Create(ILoggerFactory loggers)
    {
        var weights = new Option<FileInfo>("--weights") { Description = "detector.dat written by 'train'.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The .onnx file to write.", Required = true };
        var imageSize = new Option<int>("--imgsz") { Description = "Square network input in pixels, a multiple of 8.", DefaultValueFactory = _ => 320 };
        var width = new Option<double>("--width-mult") { Description = "The width multiplier the weights were trained with.", DefaultValueFactory = _ => 1.0 };
        var steps = new Option<int>("--steps") { Description = "Training steps, for the description only.", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Training seed, for the description and the check frame.", DefaultValueFactory = _ => 1 };
        var modelVersion = new Option<string>("--model-version") { Description = "Version written into the metadata.", DefaultValueFactory = _ => TrainSettings.DefaultModelVersion };
        var dilations = DilationOption.Create("The dilations the weights were trained with (one per stage).");
        var residual = new Option<bool>("--residual") { Description = "The weights were trained with --residual." };
        imageSize.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < 64 || value > 1280 || value % DetectorNet.Stride != 0)
            {
                result.AddError($"--imgsz must be a multiple of {DetectorNet.Stride} between 64 and 1280, got {value}.");
            }
        });
        var command = new Command("export", "Export saved weights to ONNX (Ultralytics YOLOv8 layout) and check the file against TorchSharp.")
        {
            weights, output, imageSize, width, steps, seed, modelVersion, dilations, residual,
        };
        command.SetAction((parse, _) =>
        {
            var logger = loggers.CreateLogger("Inspection.Trainer");
            var file = parse.GetValue(weights)!;
            if (!file.Exists)
            {
                parse.InvocationConfiguration.Error.WriteLine($"export: no weights at '{file.FullName}'.");
                return Task.FromResult(2);
            }

            TorchNatives.Prepare(logger);
            return Task.FromResult(Export(
                file.FullName, parse.GetValue(output)!.FullName, parse.GetValue(imageSize), parse.GetValue(width), parse.GetValue(dilations)!, parse.GetValue(residual),
                parse.GetValue(steps), parse.GetValue(seed), parse.GetValue(modelVersion)!, parse.InvocationConfiguration));
        });
        return command;
    }

    // Separate from the action so no TorchSharp type is touched before the native bridge is patched.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Export(string weightsPath, string onnxPath, int imageSize, double width, int[] dilations, bool residual, int steps, int seed, string version, InvocationConfiguration console)
    {
        using var model = new DetectorNet(DefectClasses.Names.Count, width, dilations, residual);
        try
        {
            model.load(weightsPath);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            console.Error.WriteLine($"export: '{weightsPath}' does not hold weights of a width-{width} detector with {DefectClasses.Names.Count} classes: {e.Message}");
            return 2;
        }

        model.eval();
        Directory.CreateDirectory(Path.GetDirectoryName(onnxPath)!);
        DetectorOnnxExporter.Build(model, imageSize, DetectorTrainer.Describe(model, imageSize, steps, seed), version, DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime))
            .Save(onnxPath);
        using var sampler = new SyntheticSampler(SyntheticSampler.ValidationSeeds(seed), seed + 1, imageSize);
        var frame = DetectorTrainer.ValidationFrames(seed, 1)[0];
        var diff = ExportVerifier.MaxAbsDifference(model, onnxPath, sampler.Load(frame.Seed, frame.Frame).Pixels, imageSize);
        console.Output.WriteLine($"Wrote {onnxPath}; ONNX Runtime vs TorchSharp max abs diff {diff:E2}.");
        return 0;
    }
}
