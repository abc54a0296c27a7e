using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.ModelTools.Line;

namespace Inspection.ModelTools.Dataset;

/// <summary><c>dataset</c>: writes the synthetic line as an Ultralytics detection dataset (images, labels, data.yaml).</summary>
public static class DatasetCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Dataset folder: new, empty, or a dataset written earlier by this command (replaced). E.g. models/generated/dataset, which git ignores.",
            Required = true,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the dataset; the same arguments write the same files byte for byte.", DefaultValueFactory = _ => 1 };
        var train = new Option<int>("--train") { Description = "Images in the train split.", DefaultValueFactory = _ => 2000 };
        var val = new Option<int>("--val") { Description = "Images in the val split.", DefaultValueFactory = _ => 300 };
        var test = new Option<int>("--test") { Description = "Images in the test split (0 for none).", DefaultValueFactory = _ => 300 };
        var width = new Option<int>("--width") { Description = "Image width in pixels.", DefaultValueFactory = _ => 640 };
        var height = new Option<int>("--height") { Description = "Image height in pixels.", DefaultValueFactory = _ => 480 };
        var variant = LineVariantOption.Create();
        AddRange(train, 1, DatasetExporter.MaxFramesPerSplit, "images");
        AddRange(val, 1, DatasetExporter.MaxFramesPerSplit, "images");
        AddRange(test, 0, DatasetExporter.MaxFramesPerSplit, "images");
        AddRange(width, DatasetExporter.MinWidth, DatasetExporter.MaxSide, "pixels");
        AddRange(height, DatasetExporter.MinHeight, DatasetExporter.MaxSide, "pixels");

        var command = new Command("dataset", "Write the synthetic line as an Ultralytics detection dataset: images/, labels/, data.yaml, manifest.json.")
        {
            output, seed, train, val, test, width, height, variant,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var stopwatch = Stopwatch.StartNew();
            DatasetExportResult result;
            try
            {
                result = DatasetExporter.Export(
                    parse.GetValue(output)!.FullName, parse.GetValue(seed), parse.GetValue(train), parse.GetValue(val), parse.GetValue(test),
                    parse.GetValue(width), parse.GetValue(height), cancellationToken, parse.GetValue(variant));
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"dataset: {e.Message}");
                return Task.FromResult(1);
            }

            Print(stdout, result, stopwatch.Elapsed);
            return Task.FromResult(0);
        });
        return command;
    }

    private static void AddRange(Option<int> option, int minimum, int maximum, string unit) =>
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < minimum || value > maximum)
            {
                result.AddError($"{option.Name} must be between {minimum} and {maximum} {unit}, got {value}.");
            }
        });

    private static void Print(TextWriter output, DatasetExportResult result, TimeSpan elapsed)
    {
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(culture, $"Wrote {result.Frames} images with {result.Boxes} defect boxes to {result.OutputDirectory} in {elapsed.TotalSeconds:F1} s."));
        var classes = string.Join(" ", DefectClasses.Names.Select(n => $"{n,8}"));
        output.WriteLine(string.Create(culture, $"  {"split",-6} {"seed",6} {"images",7} {"defect",7} {"clean",7} {"boxes",7} {classes} {"faint",6}"));
        foreach (var split in result.Splits)
        {
            var perClass = string.Join(" ", split.BoxesPerClass.Select(n => n.ToString("D", culture).PadLeft(8)));
            output.WriteLine(string.Create(culture,
                $"  {DatasetExporter.FolderName(split.Split),-6} {split.LineSeed,6} {split.Frames,7} {split.DefectFrameShare,7:P0} {split.CleanFrames,7} {split.Boxes,7} {perClass} {split.FaintShare,6:P0}"));
        }

        output.WriteLine($"Train Ultralytics YOLO with: yolo detect train data={Path.Combine(result.OutputDirectory, DatasetExporter.DataYamlFileName)}");
    }
}
