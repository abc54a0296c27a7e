using System.CommandLine;
using System.Diagnostics;

namespace Inspection.ModelTools.Line;

/// <summary><c>line</c>: renders the synthetic production line to a video, labels and optional JPEGs.</summary>
public static class LineCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (created if missing).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the line; the same seed renders the same frames.", DefaultValueFactory = _ => 7 };
        var frames = new Option<int>("--frames") { Description = "Number of frames to render.", DefaultValueFactory = _ => 600 };
        var width = new Option<int>("--width") { Description = "Frame width in pixels.", DefaultValueFactory = _ => 640 };
        var height = new Option<int>("--height") { Description = "Frame height in pixels.", DefaultValueFactory = _ => 480 };
        var fps = new Option<double>("--fps") { Description = "Frame rate written into the video.", DefaultValueFactory = _ => 15 };
        var images = new Option<bool>("--images") { Description = "Also write every frame as frames/NNNNNN.jpg." };
        var variant = LineVariantOption.Create();
        frames.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError("--frames must be at least 1.");
            }
        });
        width.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 64)
            {
                result.AddError("--width must be at least 64 pixels.");
            }
        });
        height.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 48)
            {
                result.AddError("--height must be at least 48 pixels.");
            }
        });
        fps.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0) || double.IsInfinity(value))
            {
                result.AddError("--fps must be a positive number of frames per second.");
            }
        });

        var command = new Command("line", "Render the synthetic production line: line.avi, labels.jsonl and optionally frames/*.jpg.")
        {
            output, seed, frames, width, height, fps, images, variant,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var directory = parse.GetValue(output)!.FullName;
            var stopwatch = Stopwatch.StartNew();
            using var line = new SyntheticLine(parse.GetValue(seed), parse.GetValue(width), parse.GetValue(height), parse.GetValue(variant));
            var result = LineExporter.Export(line, directory, parse.GetValue(frames), parse.GetValue(fps), parse.GetValue(images), cancellationToken);
            if (!result.VideoWritten)
            {
                Console.Error.WriteLine($"This OpenCV build cannot write Motion-JPEG video; wrote {LineExporter.FramesFolderName}/*.jpg instead.");
            }

            Console.WriteLine(
                $"Wrote {result.Frames} frames with {result.Defects} defect boxes to {directory} in {stopwatch.Elapsed.TotalSeconds:F1} s" +
                (result.VideoWritten ? $" ({LineExporter.VideoFileName}" + (result.ImagesWritten ? ", frames/" : string.Empty) + ")." : "."));
            return Task.FromResult(0);
        });
        return command;
    }
}
