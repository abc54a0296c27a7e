using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Inspection.ModelTools.Models;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Timing;

/// <summary>
/// <c>build-timing</c>: writes the YOLOv8n-cost timing graph (<see cref="TimingGraphBuilder"/>) and prints its
/// parameter count and GFLOPs, counted from the written graph. The file (12.7 MB of fp32 weights) is
/// over the repository's size limit for a model, so it is generated where git ignores it, never committed;
/// the same seed always writes the same bytes.
/// </summary>
public static class BuildTimingCommand
{
    public static Command Create()
    {
        var output = new Option<FileInfo>("--out")
        {
            Description = $"The .onnx file to write (default {TimingGraphBuilder.DefaultPath}, which git ignores).",
            DefaultValueFactory = _ => new FileInfo(TimingGraphBuilder.DefaultPath),
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights; the same seed writes the same bytes.", DefaultValueFactory = _ => TimingGraphBuilder.DefaultSeed };
        var imageSize = new Option<int>("--imgsz") { Description = "Square input size in pixels, a multiple of 32.", DefaultValueFactory = _ => TimingGraphBuilder.DefaultImageSize };
        var classes = new Option<int>("--classes") { Description = "Number of classes the head scores.", DefaultValueFactory = _ => TimingGraphBuilder.DefaultClasses };
        imageSize.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < TimingGraphBuilder.MinImageSize || value > TimingGraphBuilder.MaxImageSize || value % TimingGraphBuilder.MaxStride != 0)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture,
                    $"--imgsz must be a multiple of {TimingGraphBuilder.MaxStride} between {TimingGraphBuilder.MinImageSize} and {TimingGraphBuilder.MaxImageSize} pixels, got {value}."));
            }
        });
        classes.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < 1 || value > TimingGraphBuilder.MaxClasses)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--classes must be between 1 and {TimingGraphBuilder.MaxClasses}, got {value}."));
            }
        });

        var command = new Command(
            "build-timing",
            "Write a graph with YOLOv8n's layers and cost and random weights, for timing only (its detections mean nothing).")
        {
            output, seed, imageSize, classes,
        };
        command.SetAction((parse, _) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(output)!.FullName;
            GraphCost cost;
            try
            {
                var model = TimingGraphBuilder.Build(parse.GetValue(seed), parse.GetValue(imageSize), parse.GetValue(classes)).Build();
                cost = OnnxCostCounter.Count(model);
                Write(model, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"build-timing: cannot write '{path}': {e.Message}");
                return Task.FromResult(1);
            }

            var size = new FileInfo(path).Length;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ModelFile.Sha256(path)}  {path} ({size} bytes, {size / 1e6:0.0} MB)"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{cost.Parameters:N0} parameters, {cost.GigaFlops:0.0} GFLOPs ({cost.ConvNodes} Conv nodes), counted from the graph"));
            stdout.WriteLine("TIMING ONLY: random weights, detections meaningless. Time it with: bench --model " + path);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Writes beside the target and moves it into place, so a reader never sees half a model.</summary>
    private static void Write(ModelProto model, string path)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            model.WriteTo(stream);
        }

        File.Move(temp, path, overwrite: true);
    }
}
