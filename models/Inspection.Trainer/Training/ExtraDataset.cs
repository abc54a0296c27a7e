using System.Globalization;
using Inspection.Detection;
using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.Trainer.Training;

/// <summary>
/// An Ultralytics detection folder mixed into training (<c>train --extra-dataset</c>), e.g. the reviewed parts the
/// cloud's review workspace exports: <c>data.yaml</c> with <c>names</c>, <c>images/</c> (any depth; .jpg, .jpeg,
/// .png, .bmp) and <c>labels/</c> mirroring it, one <c>class cx cy w h</c> line per box, normalised to the image. An
/// empty or missing label file is a background image (a part a reviewer rejected as not a defect). Every image is
/// letterboxed exactly as the line's frames are (<see cref="Letterbox"/>, grey 114), whatever its size. A split
/// dataset (<c>images/train/</c> beside <c>images/val/</c>, as the review export writes it) trains on
/// <c>images/train/</c> only: the validation split stays unseen, so whatever is judged on it later — the review check
/// of a rollout, an evaluation — is not judged on what the model learned from.
/// </summary>
/// <remarks>Everything is read and checked when the folder is opened, so a bad file stops the run before its first step.</remarks>
public sealed class ExtraDataset
{
    /// <summary>The dataset description file.</summary>
    public const string DataYamlFileName = "data.yaml";

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    private readonly List<Item> _items;

    private ExtraDataset(string root, List<Item> items, int heldOut)
    {
        Root = root;
        _items = items;
        HeldOutImages = heldOut;
    }

    public string Root { get; }

    /// <summary>Images of a split dataset's <c>images/val/</c>, left out of training.</summary>
    public int HeldOutImages { get; }

    /// <summary>Images in the folder.</summary>
    public int Images => _items.Count;

    /// <summary>Images without a box: background (a clean part, or a false alarm a reviewer rejected).</summary>
    public int BackgroundImages => _items.Count(i => i.Boxes.Count == 0);

    /// <summary>Boxes over all images.</summary>
    public int Boxes => _items.Sum(i => i.Boxes.Count);

    /// <summary>Why <paramref name="directory"/> cannot be mixed into training, or null when it can.</summary>
    public static string? Problem(string directory)
    {
        try
        {
            _ = Open(directory);
            return null;
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
    }

    /// <summary>Reads and checks the folder.</summary>
    /// <exception cref="InvalidDataException">The folder is not an Ultralytics dataset of the model's classes, or a file in it is unreadable.</exception>
    public static ExtraDataset Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new InvalidDataException($"no folder at '{root}'.");
        }

        var yaml = Path.Combine(root, DataYamlFileName);
        if (!File.Exists(yaml))
        {
            throw new InvalidDataException($"'{root}' has no {DataYamlFileName}; an Ultralytics dataset names its classes there.");
        }

        var images = Path.Combine(root, "images");
        var labels = Path.Combine(root, "labels");
        if (!Directory.Exists(images) || !Directory.Exists(labels))
        {
            throw new InvalidDataException($"'{root}' needs an images/ and a labels/ folder (Ultralytics layout); found {(Directory.Exists(images) ? "no labels/" : "no images/")}.");
        }

        var names = ReadNames(yaml);
        if (!names.SequenceEqual(DefectClasses.Names, StringComparer.Ordinal))
        {
            throw new InvalidDataException(
                $"{DataYamlFileName} names the classes [{string.Join(", ", names)}], the model's are [{string.Join(", ", DefectClasses.Names)}] in that order; "
                + "relabel the export with the model's class ids.");
        }

        var train = Path.Combine(images, "train");
        var split = Directory.Exists(train) && Directory.Exists(Path.Combine(images, "val"));
        var heldOut = split ? ImageFiles(Path.Combine(images, "val")).Count() : 0;
        var items = new List<Item>();
        foreach (var image in ImageFiles(split ? train : images))
        {
            var relative = Path.GetRelativePath(images, image);
            var label = Path.Combine(labels, Path.ChangeExtension(relative, ".txt"));
            using var mat = Cv2.ImRead(image, ImreadModes.Color);
            if (mat.Empty())
            {
                throw new InvalidDataException($"'{image}' is not an image OpenCV can read.");
            }

            items.Add(new Item(image, mat.Width, mat.Height, File.Exists(label) ? ReadLabels(label, names.Count) : []));
        }

        if (items.Count == 0)
        {
            throw new InvalidDataException(split
                ? $"'{train}' holds no images ({string.Join(", ", ImageExtensions)}); a split dataset trains on its train split only ({heldOut} images in val)."
                : $"'{images}' holds no images ({string.Join(", ", ImageExtensions)}).");
        }

        return new ExtraDataset(root, items, heldOut);
    }

    private static IEnumerable<string> ImageFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);

    /// <summary>A random image of the folder, letterboxed to <paramref name="imageSize"/>, with its letterbox geometry.</summary>
    public (LabeledImage Image, Letterbox Geometry) Next(Random random, int imageSize, Mat resizeBuffer)
    {
        ArgumentNullException.ThrowIfNull(random);
        var index = random.Next(_items.Count);
        return Load(index, imageSize, resizeBuffer);
    }

    /// <summary>Image <paramref name="index"/> (in path order), letterboxed to <paramref name="imageSize"/>.</summary>
    public (LabeledImage Image, Letterbox Geometry) Load(int index, int imageSize, Mat resizeBuffer)
    {
        var item = _items[index];
        using var frame = Cv2.ImRead(item.Path, ImreadModes.Color);
        if (frame.Empty())
        {
            throw new InvalidDataException($"'{item.Path}' could no longer be read.");
        }

        var geometry = Letterbox.Compute(frame.Width, frame.Height, imageSize, imageSize);
        var pixels = new float[geometry.TensorLength];
        geometry.FillPadding(pixels);
        geometry.FillImage(frame, resizeBuffer, pixels);
        var boxes = new List<BoundingBox>(item.Boxes.Count);
        var classes = new List<int>(item.Boxes.Count);
        foreach (var (classId, cx, cy, w, h) in item.Boxes)
        {
            var (x1, y1) = geometry.ToTarget((float)((cx - (w / 2)) * frame.Width), (float)((cy - (h / 2)) * frame.Height));
            var (x2, y2) = geometry.ToTarget((float)((cx + (w / 2)) * frame.Width), (float)((cy + (h / 2)) * frame.Height));
            boxes.Add(new BoundingBox(x1, y1, x2, y2));
            classes.Add(classId);
        }

        return (new LabeledImage(pixels, boxes, classes, -1, index), geometry);
    }

    /// <summary>The <c>names</c> of a data.yaml: a block (<c>0: scratch</c> or <c>- scratch</c> lines) or a flow list/map.</summary>
    internal static IReadOnlyList<string> ReadNames(string yamlPath)
    {
        var lines = File.ReadAllLines(yamlPath);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = StripComment(lines[i]);
            if (!line.StartsWith("names:", StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line["names:".Length..].Trim();
            if (rest.Length > 0)
            {
                var inner = rest.Trim('[', ']', '{', '}');
                return [.. inner.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(e => Unquote(e.Contains(':') ? e[(e.IndexOf(':') + 1)..] : e))];
            }

            var names = new List<string>();
            for (var j = i + 1; j < lines.Length; j++)
            {
                var entry = StripComment(lines[j]);
                if (entry.Length == 0)
                {
                    continue;
                }

                if (!char.IsWhiteSpace(lines[j][0]) && !entry.StartsWith('-'))
                {
                    break;
                }

                entry = entry.Trim();
                names.Add(Unquote(entry.StartsWith('-') ? entry[1..] : entry[(entry.IndexOf(':') + 1)..]));
            }

            return names;
        }

        throw new InvalidDataException($"'{yamlPath}' has no 'names:' entry; an Ultralytics dataset names its classes there.");
    }

    private static List<(int ClassId, double Cx, double Cy, double W, double H)> ReadLabels(string path, int classCount)
    {
        var boxes = new List<(int, double, double, double, double)>();
        var lines = File.ReadAllLines(path);
        for (var n = 0; n < lines.Length; n++)
        {
            var fields = lines[n].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields.Length != 5
                || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var classId)
                || fields.Skip(1).Any(f => !double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v is >= 0 and <= 1)))
            {
                throw new InvalidDataException(
                    $"'{path}' line {n + 1} is not 'class cx cy w h' with the four numbers normalised to 0–1: '{lines[n].Trim()}'.");
            }

            if (classId < 0 || classId >= classCount)
            {
                throw new InvalidDataException($"'{path}' line {n + 1}: class {classId} is not one of the {classCount} classes (0–{classCount - 1}).");
            }

            var v4 = fields.Skip(1).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            boxes.Add((classId, v4[0], v4[1], v4[2], v4[3]));
        }

        return boxes;
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#');
        return (hash >= 0 ? line[..hash] : line).TrimEnd();
    }

    private static string Unquote(string value) => value.Trim().Trim('\'', '"');

    private sealed record Item(string Path, int Width, int Height, IReadOnlyList<(int ClassId, double Cx, double Cy, double W, double H)> Boxes);
}
