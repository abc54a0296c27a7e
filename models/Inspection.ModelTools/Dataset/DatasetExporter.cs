using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.ModelTools.Dataset;

/// <summary>
/// Writes the synthetic line as an Ultralytics detection dataset: <c>images/{train,val,test}/NNNNNN.jpg</c>,
/// <c>labels/{train,val,test}/NNNNNN.txt</c> (<c>class cx cy w h</c>, normalized), <c>data.yaml</c> and
/// <c>manifest.json</c>. The same arguments always give the same files, byte for byte.
/// </summary>
/// <remarks>
/// The dataset is built in a hidden sibling folder and moved into place only when complete, so a failed or
/// cancelled run leaves the previous dataset (if any) untouched and never a half-written one.
/// </remarks>
public static class DatasetExporter
{
    /// <summary>File name of the Ultralytics dataset description inside the output folder.</summary>
    public const string DataYamlFileName = "data.yaml";

    /// <summary>File name of the counts and generation parameters inside the output folder.</summary>
    public const string ManifestFileName = "manifest.json";

    public const string ImagesFolderName = "images";

    public const string LabelsFolderName = "labels";

    /// <summary>JPEG quality of every image. Fixed, so that the same arguments give the same bytes.</summary>
    public const int JpegQuality = 95;

    /// <summary>
    /// Line frames between two consecutive samples of a split. The belt moves 6 design pixels a frame, so
    /// neighbouring line frames differ by little more than sensor noise; 37 frames (222 pixels at 640×480)
    /// shows each part about four times, at different places under the lamp's gradient and partly cut by the
    /// frame edges, instead of forty near-copies. 37 is prime, so the samples never lock onto the part period
    /// (75), the lighting drift (300) or the flicker (47), and the line steps through them all.
    /// </summary>
    public const int FrameStride = 37;

    /// <summary>
    /// Line frame of the first sample. The belt starts empty; after two part periods it carries parts the
    /// way it does for the rest of the run, so the first samples are no emptier than the others.
    /// </summary>
    public const int FirstFrame = 2 * SyntheticLine.PartPeriodFrames;

    /// <summary>Largest number of frames in one split: file names have six digits.</summary>
    public const int MaxFramesPerSplit = 999_999;

    public const int MinWidth = 64;

    public const int MinHeight = 48;

    /// <summary>Frames wider or taller than this are refused as a likely typo; a larger frame only costs time.</summary>
    public const int MaxSide = 4096;

    internal const string Generator = "Inspection.ModelTools dataset";

    /// <summary>The three splits in the order they are written.</summary>
    public static IReadOnlyList<DatasetSplit> Splits { get; } = [DatasetSplit.Train, DatasetSplit.Val, DatasetSplit.Test];

    /// <summary>
    /// Renders and writes the dataset to <paramref name="outputDirectory"/>. The folder must be new, empty, or a
    /// dataset written earlier by this exporter (which is replaced); anything else is refused before writing.
    /// </summary>
    /// <exception cref="ArgumentException">A count or size is out of range, or the folder cannot hold a dataset.</exception>
    /// <exception cref="IOException">The folder holds other files, or the disk refused a write.</exception>
    public static DatasetExportResult Export(
        string outputDirectory, int seed, int trainCount, int valCount, int testCount, int width, int height, CancellationToken cancellationToken,
        LineVariant variant = LineVariant.A)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        CheckCount(trainCount, nameof(trainCount), DatasetSplit.Train, 1);
        CheckCount(valCount, nameof(valCount), DatasetSplit.Val, 1);
        CheckCount(testCount, nameof(testCount), DatasetSplit.Test, 0);
        CheckSide(width, nameof(width), "width", MinWidth);
        CheckSide(height, nameof(height), "height", MinHeight);
        var target = DatasetOutputFolder.CheckTarget(outputDirectory);
        cancellationToken.ThrowIfCancellationRequested();

        var staging = DatasetOutputFolder.CreateStaging(target);
        try
        {
            int[] counts = [trainCount, valCount, testCount];
            var summaries = new List<DatasetSplitSummary>();
            foreach (var split in Splits)
            {
                summaries.Add(ExportSplit(staging, seed, split, counts[(int)split], width, height, variant, cancellationToken));
            }

            File.WriteAllText(Path.Combine(staging, DataYamlFileName), DataYaml(), Utf8NoBom);
            var result = new DatasetExportResult(target, summaries);
            File.WriteAllBytes(Path.Combine(staging, ManifestFileName), DatasetManifest.Write(result, seed, width, height));
            cancellationToken.ThrowIfCancellationRequested();
            DatasetOutputFolder.Commit(staging, target);
            return result;
        }
        catch
        {
            DatasetOutputFolder.TryDelete(staging);
            throw;
        }
    }

    /// <summary>Folder name of a split under <c>images/</c> and <c>labels/</c>: <c>train</c>, <c>val</c> or <c>test</c>.</summary>
    public static string FolderName(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => "train",
        DatasetSplit.Val => "val",
        DatasetSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown dataset split."),
    };

    /// <summary>
    /// Seed of the line a split is rendered from: <c>seed × 3 + split</c>. Each split watches its own line (its own
    /// belt, lighting and parts), so no frame and no part appears in two splits, and val/test measure how a
    /// model does on a line it has not seen.
    /// </summary>
    public static int LineSeedFor(int seed, DatasetSplit split) => unchecked((seed * 3) + (int)split);

    /// <summary>Line frame index of the <paramref name="sample"/>-th image of a split.</summary>
    public static long FrameIndexOf(int sample)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sample);
        return FirstFrame + ((long)sample * FrameStride);
    }

    /// <summary>File name (without extension) of the <paramref name="sample"/>-th image and label of a split.</summary>
    public static string FileStem(int sample) => sample.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>
    /// The <c>data.yaml</c> text. It carries no <c>path:</c> key on purpose: Ultralytics then resolves the split
    /// folders against the folder holding this file, wherever the user runs from and wherever the dataset is
    /// moved; <c>path: .</c> would resolve against the working directory instead.
    /// </summary>
    public static string DataYaml()
    {
        var yaml = new StringBuilder();
        yaml.Append("# Synthetic production line, Ultralytics detection layout. Split folders are relative to this file.\n");
        foreach (var split in Splits)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"{FolderName(split)}: {ImagesFolderName}/{FolderName(split)}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $"nc: {DefectClasses.Names.Count}\n");
        yaml.Append("names:\n");
        for (var id = 0; id < DefectClasses.Names.Count; id++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  {id}: {DefectClasses.Names[id]}\n");
        }

        return yaml.ToString();
    }

    /// <summary>
    /// One label line per defect, <c>class cx cy w h</c>, each coordinate normalized by the frame size to 0–1 with
    /// six decimals (a millionth of 640 pixels is far below a pixel); an empty string for a frame without defects.
    /// </summary>
    public static string LabelText(IReadOnlyList<GroundTruth> truth, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(truth);
        var text = new StringBuilder();
        foreach (var defect in truth)
        {
            var box = defect.Box;
            var x1 = Math.Clamp(box.X1, 0, width);
            var y1 = Math.Clamp(box.Y1, 0, height);
            var x2 = Math.Clamp(box.X2, 0, width);
            var y2 = Math.Clamp(box.Y2, 0, height);
            text.Append(CultureInfo.InvariantCulture,
                $"{defect.ClassId} {(x1 + x2) / 2.0 / width:F6} {(y1 + y2) / 2.0 / height:F6} {(x2 - x1) / (double)width:F6} {(y2 - y1) / (double)height:F6}\n");
        }

        return text.ToString();
    }

    private static UTF8Encoding Utf8NoBom { get; } = new(encoderShouldEmitUTF8Identifier: false);

    private static DatasetSplitSummary ExportSplit(
        string root, int seed, DatasetSplit split, int count, int width, int height, LineVariant variant, CancellationToken cancellationToken)
    {
        var images = Directory.CreateDirectory(Path.Combine(root, ImagesFolderName, FolderName(split))).FullName;
        var labels = Directory.CreateDirectory(Path.Combine(root, LabelsFolderName, FolderName(split))).FullName;
        var lineSeed = LineSeedFor(seed, split);
        var boxesPerFrame = new int[count];
        var faintPerFrame = new int[count];
        var classPerFrame = new int[count, DefectClasses.Names.Count];
        using var line = new SyntheticLine(lineSeed, width, height, variant);
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        try
        {
            // Every file depends only on its own frame index, so the order frames finish in changes nothing on disk.
            Parallel.For(0, count, options, sample =>
            {
                using var rendered = line.Render(FrameIndexOf(sample));
                var stem = FileStem(sample);
                Cv2.ImEncode(".jpg", rendered.Frame, out var jpeg, [(int)ImwriteFlags.JpegQuality, JpegQuality]);
                File.WriteAllBytes(Path.Combine(images, stem + ".jpg"), jpeg);
                File.WriteAllText(Path.Combine(labels, stem + ".txt"), LabelText(rendered.Truth, width, height), Utf8NoBom);
                boxesPerFrame[sample] = rendered.Truth.Count;
                foreach (var defect in rendered.Truth)
                {
                    classPerFrame[sample, defect.ClassId]++;
                    faintPerFrame[sample] += defect.Faint ? 1 : 0;
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        var perClass = new int[DefectClasses.Names.Count];
        for (var sample = 0; sample < count; sample++)
        {
            for (var c = 0; c < perClass.Length; c++)
            {
                perClass[c] += classPerFrame[sample, c];
            }
        }

        return new DatasetSplitSummary(split, lineSeed, count, boxesPerFrame.Count(b => b > 0), perClass, faintPerFrame.Sum());
    }

    private static void CheckCount(int count, string parameter, DatasetSplit split, int minimum)
    {
        if (count < minimum || count > MaxFramesPerSplit)
        {
            throw new ArgumentOutOfRangeException(parameter, count,
                $"The {FolderName(split)} split needs between {minimum} and {MaxFramesPerSplit} frames, got {count}.");
        }
    }

    private static void CheckSide(int value, string parameter, string name, int minimum)
    {
        if (value < minimum || value > MaxSide)
        {
            throw new ArgumentOutOfRangeException(parameter, value, $"The frame {name} must be between {minimum} and {MaxSide} pixels, got {value}.");
        }
    }
}
