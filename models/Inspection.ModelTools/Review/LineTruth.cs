using System.Globalization;
using System.Text.Json;
using Inspection.ModelTools.Line;

namespace Inspection.ModelTools.Review;

/// <summary>The ground truth of a rendered line (<c>line --out DIR</c>): <c>labels.jsonl</c>, one object per frame.</summary>
public sealed class LineTruth
{
    private LineTruth(string directory, IReadOnlyList<TruthFrame> frames)
    {
        Directory = directory;
        Frames = frames;
    }

    /// <summary>The line's folder.</summary>
    public string Directory { get; }

    /// <summary>The frames in video order.</summary>
    public IReadOnlyList<TruthFrame> Frames { get; }

    /// <summary>Reads <c>DIR/labels.jsonl</c>; a missing or malformed file is an <see cref="InvalidDataException"/> naming it.</summary>
    public static LineTruth Load(string directory)
    {
        var path = Path.Combine(directory, LineExporter.LabelsFileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"no {LineExporter.LabelsFileName} in '{directory}': render the line with 'line --out {directory}' first");
        }

        var frames = new List<TruthFrame>();
        var number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            if (text.Length == 0)
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(text);
                var root = json.RootElement;
                var index = root.GetProperty("frame").GetInt32();
                if (index != frames.Count)
                {
                    throw new InvalidDataException($"{path}:{number}: frame {index} where frame {frames.Count} was expected; the file is not one whole rendered line");
                }

                frames.Add(new TruthFrame(index, Boxes(root, "boxes", b => b.GetProperty("class").GetString() ?? string.Empty), Boxes(root, "parts", _ => "part")));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}:{number}: not a line label ({e.Message})"), e);
            }
        }

        if (frames.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no frames");
        }

        return new LineTruth(directory, frames);
    }

    private static List<TruthBox> Boxes(JsonElement root, string name, Func<JsonElement, string> className) =>
        [.. root.GetProperty(name).EnumerateArray().Select(b => new TruthBox(
            className(b), b.GetProperty("x1").GetDouble(), b.GetProperty("y1").GetDouble(), b.GetProperty("x2").GetDouble(), b.GetProperty("y2").GetDouble()))];
}
