using System.Globalization;
using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.Trainer.Tests.Training;

/// <summary>Writes a small Ultralytics folder of variant-B line frames, as the review export lays one out.</summary>
internal static class ReviewSetFolder
{
    public const string DataYaml = "names:\n  0: scratch\n  1: spot\n  2: crack\n  3: dent\n";

    /// <summary>Frames of line 4242 (variant B) 30 apart, the first one with a defect, with their labels; returns the folder, the boxes and the background images written.</summary>
    public static (string Root, int Boxes, int Background) Write(string root, int frames = 4)
    {
        Directory.CreateDirectory(Path.Combine(root, "images"));
        Directory.CreateDirectory(Path.Combine(root, "labels"));
        File.WriteAllText(Path.Combine(root, "data.yaml"), DataYaml);
        using var line = new SyntheticLine(4242, variant: LineVariant.B);
        var (boxes, background) = (0, 0);
        for (var (i, index) = (0, 300L); i < frames; index += 30)
        {
            using var rendered = line.Render(index);
            if (i == 0 && rendered.Truth.Count == 0)
            {
                continue; // the first image always carries a defect, so every set has boxes
            }

            var stem = i.ToString("D4", CultureInfo.InvariantCulture);
            Cv2.ImWrite(Path.Combine(root, "images", stem + ".png"), rendered.Frame);
            File.WriteAllText(Path.Combine(root, "labels", stem + ".txt"), Inspection.ModelTools.Dataset.DatasetExporter.LabelText(rendered.Truth, 640, 480));
            boxes += rendered.Truth.Count;
            background += rendered.Truth.Count == 0 ? 1 : 0;
            i++;
        }

        return (root, boxes, background);
    }
}
