using System.Text.Json;
using Inspection.ModelTools.Line;

namespace Inspection.ModelTools.Dataset;

/// <summary>
/// <c>manifest.json</c>: how the dataset was generated and what it holds. No timestamps or paths, so the same
/// arguments give the same bytes.
/// </summary>
internal static class DatasetManifest
{
    public static byte[] Write(DatasetExportResult result, int seed, int width, int height)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("generator", DatasetExporter.Generator);
            json.WriteString("format", "ultralytics-detect");
            json.WriteNumber("seed", seed);
            json.WriteNumber("width", width);
            json.WriteNumber("height", height);
            json.WriteNumber("first_frame", DatasetExporter.FirstFrame);
            json.WriteNumber("frame_stride", DatasetExporter.FrameStride);
            json.WriteNumber("jpeg_quality", DatasetExporter.JpegQuality);
            json.WriteStartArray("names");
            foreach (var name in DefectClasses.Names)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteNumber("frames", result.Frames);
            json.WriteNumber("frames_with_defects", result.FramesWithDefects);
            json.WriteNumber("boxes", result.Boxes);
            json.WriteNumber("faint_boxes", result.FaintBoxes);
            json.WriteNumber("faint_share", Share(result.FaintBoxes, result.Boxes));
            json.WriteStartObject("splits");
            foreach (var split in result.Splits)
            {
                json.WriteStartObject(DatasetExporter.FolderName(split.Split));
                json.WriteNumber("line_seed", split.LineSeed);
                json.WriteNumber("frames", split.Frames);
                json.WriteNumber("frames_with_defects", split.FramesWithDefects);
                json.WriteNumber("clean_frames", split.CleanFrames);
                json.WriteNumber("defect_frame_share", Share(split.FramesWithDefects, split.Frames));
                json.WriteNumber("boxes", split.Boxes);
                json.WriteStartObject("boxes_per_class");
                for (var id = 0; id < DefectClasses.Names.Count; id++)
                {
                    json.WriteNumber(DefectClasses.Names[id], split.BoxesPerClass[id]);
                }

                json.WriteEndObject();
                json.WriteNumber("faint_boxes", split.FaintBoxes);
                json.WriteNumber("faint_share", Share(split.FaintBoxes, split.Boxes));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static double Share(int part, int whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 4);
}
