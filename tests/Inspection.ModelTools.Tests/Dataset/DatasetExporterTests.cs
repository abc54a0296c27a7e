using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Line;

namespace Inspection.ModelTools.Tests.Dataset;

public sealed class DatasetExporterTests : IDisposable
{
    private const int Width = 320;
    private const int Height = 240;

    private readonly string _dir = Directory.CreateTempSubdirectory("dataset-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Export_SmallDataset_WritesUltralyticsLayout()
    {
        var target = Path.Combine(_dir, "ds");

        var result = Export(target, seed: 1, train: 12, val: 4, test: 3);

        Assert.Equal(target, result.OutputDirectory);
        foreach (var (split, count) in new[] { ("train", 12), ("val", 4), ("test", 3) })
        {
            var stems = Enumerable.Range(0, count).Select(i => i.ToString("D6", CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(stems.Select(s => s + ".jpg"), Directory.GetFiles(Path.Combine(target, "images", split)).Select(Path.GetFileName).Order());
            Assert.Equal(stems.Select(s => s + ".txt"), Directory.GetFiles(Path.Combine(target, "labels", split)).Select(Path.GetFileName).Order());
        }

        Assert.Equal(
            ["data.yaml", "images", "labels", "manifest.json"],
            Directory.GetFileSystemEntries(target).Select(Path.GetFileName).Order());
        Assert.Equal(["ds"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Export_DataYaml_HasSplitsAndNamesMap()
    {
        var target = Path.Combine(_dir, "ds");

        Export(target, seed: 1, train: 2, val: 1, test: 1);

        Assert.Equal(
            "# Synthetic production line, Ultralytics detection layout. Split folders are relative to this file.\n" +
            "train: images/train\n" +
            "val: images/val\n" +
            "test: images/test\n" +
            "nc: 4\n" +
            "names:\n" +
            "  0: scratch\n" +
            "  1: spot\n" +
            "  2: crack\n" +
            "  3: dent\n",
            File.ReadAllText(Path.Combine(target, "data.yaml")));
    }

    [Fact]
    public void Export_Images_AreJpegsOfTheRequestedSize()
    {
        var target = Path.Combine(_dir, "ds");

        Export(target, seed: 1, train: 2, val: 1, test: 1);

        using var image = OpenCvSharp.Cv2.ImRead(Path.Combine(target, "images", "val", "000000.jpg"));
        Assert.Equal(new OpenCvSharp.Size(Width, Height), image.Size());
        Assert.Equal(3, image.Channels());
    }

    [Fact]
    public void Export_LabelLines_RoundTripToGroundTruthWithinOnePixel()
    {
        var target = Path.Combine(_dir, "ds");

        Export(target, seed: 4, train: 16, val: 6, test: 6);

        var checkedBoxes = 0;
        foreach (var split in DatasetExporter.Splits)
        {
            using var line = new SyntheticLine(DatasetExporter.LineSeedFor(4, split), Width, Height);
            var labels = Directory.GetFiles(Path.Combine(target, "labels", DatasetExporter.FolderName(split))).Order().ToArray();
            for (var sample = 0; sample < labels.Length; sample++)
            {
                using var rendered = line.Render(DatasetExporter.FrameIndexOf(sample));
                var lines = File.ReadAllLines(labels[sample]);
                Assert.Equal(rendered.Truth.Count, lines.Length);
                for (var i = 0; i < lines.Length; i++)
                {
                    var fields = lines[i].Split(' ');
                    Assert.Equal(5, fields.Length);
                    Assert.All(fields.Skip(1), f => Assert.Matches(@"^[01]\.\d{6}$", f));
                    var v = fields.Skip(1).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
                    Assert.All(v, x => Assert.InRange(x, 0, 1));
                    var truth = rendered.Truth[i];
                    Assert.Equal(truth.ClassId, int.Parse(fields[0], CultureInfo.InvariantCulture));
                    Assert.InRange(Math.Abs(((v[0] - (v[2] / 2)) * Width) - truth.Box.X1), 0, 1);
                    Assert.InRange(Math.Abs(((v[1] - (v[3] / 2)) * Height) - truth.Box.Y1), 0, 1);
                    Assert.InRange(Math.Abs(((v[0] + (v[2] / 2)) * Width) - truth.Box.X2), 0, 1);
                    Assert.InRange(Math.Abs(((v[1] + (v[3] / 2)) * Height) - truth.Box.Y2), 0, 1);
                    checkedBoxes++;
                }
            }
        }

        Assert.True(checkedBoxes >= 5, $"only {checkedBoxes} boxes were checked");
    }

    [Fact]
    public void Export_CleanFrame_WritesEmptyLabelFile()
    {
        var target = Path.Combine(_dir, "ds");

        Export(target, seed: 1, train: 20, val: 1, test: 1);

        using var line = new SyntheticLine(DatasetExporter.LineSeedFor(1, DatasetSplit.Train), Width, Height);
        var clean = Enumerable.Range(0, 20).First(sample =>
        {
            using var rendered = line.Render(DatasetExporter.FrameIndexOf(sample));
            return rendered.Truth.Count == 0;
        });
        var label = Path.Combine(target, "labels", "train", DatasetExporter.FileStem(clean) + ".txt");
        Assert.True(File.Exists(label));
        Assert.Equal(0, new FileInfo(label).Length);
    }

    [Fact]
    public void Export_Frames_MixCleanAndDefectiveImages()
    {
        var target = Path.Combine(_dir, "ds");

        var result = Export(target, seed: 1, train: 60, val: 1, test: 1);

        var labels = Directory.GetFiles(Path.Combine(target, "labels", "train"));
        var withDefects = labels.Count(f => new FileInfo(f).Length > 0);
        Assert.Equal(result[DatasetSplit.Train].FramesWithDefects, withDefects);
        Assert.InRange(result[DatasetSplit.Train].DefectFrameShare, 0.3, 0.8);
        Assert.All(result[DatasetSplit.Train].BoxesPerClass, n => Assert.True(n > 0));
    }

    [Fact]
    public void Export_Manifest_CountsMatchTheLabelFiles()
    {
        var target = Path.Combine(_dir, "ds");

        Export(target, seed: 2, train: 15, val: 5, test: 5);

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(target, "manifest.json")));
        var root = manifest.RootElement;
        Assert.Equal(2, root.GetProperty("seed").GetInt32());
        Assert.Equal(Width, root.GetProperty("width").GetInt32());
        Assert.Equal(Height, root.GetProperty("height").GetInt32());
        Assert.Equal(DatasetExporter.FrameStride, root.GetProperty("frame_stride").GetInt32());
        foreach (var split in new[] { "train", "val", "test" })
        {
            var lines = Directory.GetFiles(Path.Combine(target, "labels", split)).Select(File.ReadAllLines).ToList();
            var entry = root.GetProperty("splits").GetProperty(split);
            Assert.Equal(lines.Count, entry.GetProperty("frames").GetInt32());
            Assert.Equal(lines.Count(l => l.Length > 0), entry.GetProperty("frames_with_defects").GetInt32());
            Assert.Equal(lines.Sum(l => l.Length), entry.GetProperty("boxes").GetInt32());
            var perClass = entry.GetProperty("boxes_per_class");
            for (var id = 0; id < DefectClasses.Names.Count; id++)
            {
                var prefix = id.ToString(CultureInfo.InvariantCulture) + " ";
                Assert.Equal(lines.Sum(l => l.Count(x => x.StartsWith(prefix, StringComparison.Ordinal))), perClass.GetProperty(DefectClasses.Names[id]).GetInt32());
            }
        }
    }

    [Fact]
    public void Export_SameSeed_WritesIdenticalBytes()
    {
        var first = Export(Path.Combine(_dir, "a"), seed: 3, train: 8, val: 3, test: 3);
        var second = Export(Path.Combine(_dir, "b"), seed: 3, train: 8, val: 3, test: 3);

        var a = Hashes(first.OutputDirectory);
        var b = Hashes(second.OutputDirectory);
        Assert.Equal(8 + 3 + 3 + 8 + 3 + 3 + 2, a.Count);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Export_DifferentSeed_WritesDifferentImages()
    {
        var first = Export(Path.Combine(_dir, "a"), seed: 3, train: 8, val: 3, test: 3);
        var second = Export(Path.Combine(_dir, "b"), seed: 4, train: 8, val: 3, test: 3);

        var a = Hashes(first.OutputDirectory);
        var b = Hashes(second.OutputDirectory);
        var images = a.Keys.Where(k => k.EndsWith(".jpg", StringComparison.Ordinal)).ToList();
        Assert.Equal(14, images.Count);
        Assert.All(images, k => Assert.NotEqual(a[k], b[k]));
    }

    [Fact]
    public void Export_Splits_ShareNoImage()
    {
        var target = Path.Combine(_dir, "ds");

        Export(target, seed: 1, train: 30, val: 10, test: 10);

        var hashes = Hashes(target)
            .Where(kv => kv.Key.EndsWith(".jpg", StringComparison.Ordinal))
            .GroupBy(kv => kv.Key.Split('/')[1], kv => kv.Value)
            .ToDictionary(g => g.Key, g => g.ToHashSet());
        Assert.Equal(["test", "train", "val"], hashes.Keys.Order());
        Assert.Equal(50, hashes.Values.Sum(h => h.Count));
        Assert.Empty(hashes["train"].Intersect(hashes["val"]));
        Assert.Empty(hashes["train"].Intersect(hashes["test"]));
        Assert.Empty(hashes["val"].Intersect(hashes["test"]));
    }

    [Fact]
    public void LineSeedFor_OneSeed_GivesEachSplitItsOwnLine()
    {
        var seeds = DatasetExporter.Splits.Select(s => DatasetExporter.LineSeedFor(1, s)).ToList();

        Assert.Equal(3, seeds.Distinct().Count());
    }

    [Fact]
    public void FrameIndexOf_ConsecutiveSamples_AreOneStrideApart()
    {
        Assert.Equal(DatasetExporter.FirstFrame, DatasetExporter.FrameIndexOf(0));
        Assert.Equal(DatasetExporter.FirstFrame + (5L * DatasetExporter.FrameStride), DatasetExporter.FrameIndexOf(5));
        Assert.True(DatasetExporter.FrameStride > 1);
    }

    [Theory]
    [InlineData(-1, 1, 1, Width, Height, "train")]
    [InlineData(0, 1, 1, Width, Height, "train")]
    [InlineData(1, -3, 1, Width, Height, "val")]
    [InlineData(1, 1, -1, Width, Height, "test")]
    [InlineData(1_000_000, 1, 1, Width, Height, "train")]
    [InlineData(1, 1, 1, 10, Height, "width")]
    [InlineData(1, 1, 1, Width, 5000, "height")]
    public void Export_BadArguments_ThrowsClearErrorAndWritesNothing(int train, int val, int test, int width, int height, string mentioned)
    {
        var target = Path.Combine(_dir, "ds");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            DatasetExporter.Export(target, 1, train, val, test, width, height, TestContext.Current.CancellationToken));

        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Export_TestCountZero_WritesEmptyTestSplit()
    {
        var target = Path.Combine(_dir, "ds");

        var result = Export(target, seed: 1, train: 2, val: 1, test: 0);

        Assert.Equal(0, result[DatasetSplit.Test].Frames);
        Assert.Empty(Directory.GetFiles(Path.Combine(target, "images", "test")));
    }

    [Fact]
    public void Export_IntoFolderWithOtherFiles_ThrowsAndKeepsThem()
    {
        var target = Path.Combine(_dir, "mine");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "notes.txt"), "keep me");

        var error = Assert.Throws<IOException>(() => Export(target, seed: 1, train: 2, val: 1, test: 1));

        Assert.Contains("not a dataset", error.Message, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(target, "notes.txt")));
        Assert.Equal(["mine"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Export_OntoAFile_ThrowsAndKeepsIt()
    {
        var target = Path.Combine(_dir, "file");
        File.WriteAllText(target, "keep me");

        Assert.Throws<IOException>(() => Export(target, seed: 1, train: 2, val: 1, test: 1));

        Assert.Equal("keep me", File.ReadAllText(target));
    }

    [Fact]
    public void Export_IntoEmptyFolder_WritesDataset()
    {
        var target = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(target);

        Export(target, seed: 1, train: 2, val: 1, test: 1);

        Assert.True(File.Exists(Path.Combine(target, "data.yaml")));
    }

    [Fact]
    public void Export_OverPreviousDataset_ReplacesItWithoutStaleFiles()
    {
        var target = Path.Combine(_dir, "ds");
        Export(target, seed: 1, train: 10, val: 3, test: 3);

        Export(target, seed: 2, train: 4, val: 2, test: 2);

        Assert.Equal(4, Directory.GetFiles(Path.Combine(target, "images", "train")).Length);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(target, "labels", "train")).Length);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(target, "manifest.json")));
        Assert.Equal(2, manifest.RootElement.GetProperty("seed").GetInt32());
        Assert.Equal(["ds"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Export_Cancelled_KeepsPreviousDatasetAndLeavesNoPartialFolder()
    {
        var target = Path.Combine(_dir, "ds");
        Export(target, seed: 1, train: 3, val: 1, test: 1);
        var before = Hashes(target);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            DatasetExporter.Export(target, 2, 50, 5, 5, Width, Height, cancelled.Token));

        Assert.Equal(before, Hashes(target));
        Assert.Equal(["ds"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Export_LeftoverPartialFolder_IsClearedAndDatasetWritten()
    {
        var target = Path.Combine(_dir, "ds");
        var leftover = Path.Combine(_dir, ".ds.partial");
        Directory.CreateDirectory(Path.Combine(leftover, "images", "train"));
        File.WriteAllText(Path.Combine(leftover, "images", "train", "999999.jpg"), "half-written");

        Export(target, seed: 1, train: 2, val: 1, test: 1);

        Assert.False(File.Exists(Path.Combine(target, "images", "train", "999999.jpg")));
        Assert.Equal(["ds"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void LabelText_BoxOnFrame_IsNormalizedCentreAndSize()
    {
        GroundTruth[] truth =
        [
            new(DefectClasses.Spot, "spot", new Inspection.Detection.BoundingBox(10, 20, 30, 60), 0, false, 50),
            new(DefectClasses.Scratch, "scratch", new Inspection.Detection.BoundingBox(0, 0, 640, 480), 0, true, 20),
        ];

        var text = DatasetExporter.LabelText(truth, 640, 480);

        Assert.Equal("1 0.031250 0.083333 0.031250 0.083333\n0 0.500000 0.500000 1.000000 1.000000\n", text);
    }

    [Fact]
    public void LabelText_NoDefects_IsEmpty()
    {
        Assert.Equal(string.Empty, DatasetExporter.LabelText([], 640, 480));
    }

    private static DatasetExportResult Export(string target, int seed, int train, int val, int test) =>
        DatasetExporter.Export(target, seed, train, val, test, Width, Height, TestContext.Current.CancellationToken);

    /// <summary>SHA-256 of every file under <paramref name="root"/>, by path relative to it with '/' separators.</summary>
    private static Dictionary<string, string> Hashes(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'),
            f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
