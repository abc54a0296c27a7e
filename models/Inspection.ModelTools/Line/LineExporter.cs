using System.Text.Json;
using OpenCvSharp;

namespace Inspection.ModelTools.Line;

/// <summary>
/// Writes a stretch of the synthetic line to disk: <c>line.avi</c> (Motion-JPEG), optionally one JPEG per
/// frame under <c>frames/</c>, and <c>labels.jsonl</c>, one JSON object per frame with its defect boxes.
/// </summary>
public static class LineExporter
{
    /// <summary>File name of the video inside the output folder.</summary>
    public const string VideoFileName = "line.avi";

    /// <summary>File name of the labels inside the output folder.</summary>
    public const string LabelsFileName = "labels.jsonl";

    /// <summary>Folder name of the per-frame JPEGs inside the output folder.</summary>
    public const string FramesFolderName = "frames";

    /// <summary>Renders frames [0, <paramref name="frames"/>) and writes them to <paramref name="outputDirectory"/>.</summary>
    public static LineExportResult Export(SyntheticLine line, string outputDirectory, int frames, double fps, bool images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        if (!(fps > 0) || double.IsInfinity(fps))
        {
            throw new ArgumentOutOfRangeException(nameof(fps), fps, "The frame rate must be a positive number of frames per second.");
        }

        Directory.CreateDirectory(outputDirectory);
        using var video = new VideoWriter(Path.Combine(outputDirectory, VideoFileName), FourCC.MJPG, fps, new Size(line.Width, line.Height));
        var videoWritten = video.IsOpened();
        var writeImages = images || !videoWritten;
        var framesDirectory = Path.Combine(outputDirectory, FramesFolderName);
        if (writeImages)
        {
            Directory.CreateDirectory(framesDirectory);
        }

        var labelsPath = Path.Combine(outputDirectory, LabelsFileName);
        var defects = 0;
        using (var labels = new FileStream(labelsPath + ".tmp", FileMode.Create, FileAccess.Write))
        using (var json = new Utf8JsonWriter(labels))
        {
            for (var index = 0; index < frames; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var rendered = line.Render(index);
                if (videoWritten)
                {
                    video.Write(rendered.Frame);
                }

                if (writeImages)
                {
                    Cv2.ImWrite(Path.Combine(framesDirectory, $"{index:D6}.jpg"), rendered.Frame, [(int)ImwriteFlags.JpegQuality, 95]);
                }

                WriteLabel(json, rendered);
                json.Flush();
                labels.WriteByte((byte)'\n');
                json.Reset();
                defects += rendered.Truth.Count;
            }
        }

        File.Move(labelsPath + ".tmp", labelsPath, overwrite: true);
        return new LineExportResult(frames, defects, videoWritten, writeImages);
    }

    private static void WriteLabel(Utf8JsonWriter json, RenderedFrame rendered)
    {
        json.WriteStartObject();
        json.WriteNumber("frame", rendered.FrameIndex);
        json.WriteStartArray("boxes");
        foreach (var truth in rendered.Truth)
        {
            json.WriteStartObject();
            json.WriteNumber("class_id", truth.ClassId);
            json.WriteString("class", truth.ClassName);
            json.WriteNumber("x1", Math.Round(truth.Box.X1, 1));
            json.WriteNumber("y1", Math.Round(truth.Box.Y1, 1));
            json.WriteNumber("x2", Math.Round(truth.Box.X2, 1));
            json.WriteNumber("y2", Math.Round(truth.Box.Y2, 1));
            json.WriteBoolean("faint", truth.Faint);
            json.WriteBoolean("truncated", truth.Truncated);
            json.WriteNumber("part", truth.PartId);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("parts");
        foreach (var part in rendered.Parts)
        {
            json.WriteStartObject();
            json.WriteNumber("part", part.PartId);
            json.WriteBoolean("defective", part.IsDefective);
            json.WriteBoolean("fully_visible", part.FullyVisible);
            json.WriteNumber("x1", Math.Round(part.Box.X1, 1));
            json.WriteNumber("y1", Math.Round(part.Box.Y1, 1));
            json.WriteNumber("x2", Math.Round(part.Box.X2, 1));
            json.WriteNumber("y2", Math.Round(part.Box.Y2, 1));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
