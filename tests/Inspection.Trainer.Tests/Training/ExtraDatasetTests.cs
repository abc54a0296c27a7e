using Inspection.Trainer.Training;
using OpenCvSharp;

namespace Inspection.Trainer.Tests.Training;

public sealed class ExtraDatasetTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Open_ReviewExportLayout_CountsImagesBoxesAndBackground()
    {
        var (root, _, _) = ReviewSetFolder.Write(_directory.Folder("set"), frames: 6);
        File.WriteAllText(Path.Combine(root, "labels", "0005.txt"), string.Empty); // a part rejected as not a defect
        File.Delete(Path.Combine(root, "labels", "0004.txt")); // no label file: background, as Ultralytics reads it
        var labelled = Directory.GetFiles(Path.Combine(root, "labels")).Select(File.ReadAllLines).ToList();

        var set = ExtraDataset.Open(root);

        Assert.Equal(6, set.Images);
        Assert.Equal(labelled.Count(l => l.Length == 0) + 1, set.BackgroundImages);
        Assert.Equal(labelled.Sum(l => l.Length), set.Boxes);
        Assert.True(set.Boxes > 0);
    }

    [Fact]
    public void Open_TrainAndValSplits_TrainsOnTrainOnlyAndCountsValHeldOut()
    {
        var (root, _, _) = ReviewSetFolder.Write(_directory.Folder("split"), frames: 5);
        foreach (var kind in new[] { "images", "labels" })
        {
            var files = Directory.GetFiles(Path.Combine(root, kind)).Order(StringComparer.Ordinal).ToList();
            foreach (var (file, n) in files.Select((f, n) => (f, n)))
            {
                var split = n < 2 ? "val" : "train"; // 0000 (with a defect) and 0001 held out
                Directory.CreateDirectory(Path.Combine(root, kind, split));
                File.Move(file, Path.Combine(root, kind, split, Path.GetFileName(file)));
            }
        }

        var set = ExtraDataset.Open(root);

        Assert.Equal(3, set.Images);
        Assert.Equal(2, set.HeldOutImages);
        var trained = Directory.GetFiles(Path.Combine(root, "labels", "train")).Sum(f => File.ReadAllLines(f).Length);
        Assert.Equal(trained, set.Boxes);
        Assert.True(File.ReadAllLines(Path.Combine(root, "labels", "val", "0000.txt")).Length > 0, "the held-out split has a defect the count must leave out");
    }

    [Fact]
    public void Problem_SplitWithEmptyTrain_SaysTheValSplitIsNotTrainedOn()
    {
        var (root, _, _) = ReviewSetFolder.Write(_directory.Folder("val-only"), frames: 1);
        foreach (var kind in new[] { "images", "labels" })
        {
            Directory.CreateDirectory(Path.Combine(root, kind, "val"));
            Directory.CreateDirectory(Path.Combine(root, kind, "train"));
            foreach (var file in Directory.GetFiles(Path.Combine(root, kind)))
            {
                File.Move(file, Path.Combine(root, kind, "val", Path.GetFileName(file)));
            }
        }

        var problem = ExtraDataset.Problem(root);

        Assert.NotNull(problem);
        Assert.Contains("trains on its train split only (1 images in val)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelsAndLetterbox_BoxesLandWhereTheLineDrewThem()
    {
        var root = _directory.Folder("one");
        Directory.CreateDirectory(Path.Combine(root, "images"));
        Directory.CreateDirectory(Path.Combine(root, "labels"));
        File.WriteAllText(Path.Combine(root, "data.yaml"), "names: [scratch, spot, crack, dent]\n");
        using (var image = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(40)))
        {
            Cv2.ImWrite(Path.Combine(root, "images", "a.png"), image);
        }

        // A box from (320, 240) to (384, 288) in the 640×480 frame.
        File.WriteAllText(Path.Combine(root, "labels", "a.txt"), "3 0.55 0.55 0.1 0.1\n");
        var set = ExtraDataset.Open(root);
        using var buffer = new Mat();

        var (loaded, geometry) = set.Load(0, 480, buffer);

        var box = Assert.Single(loaded.Boxes);
        Assert.Equal(3, Assert.Single(loaded.ClassIds));
        var (x1, y1) = geometry.ToTarget(320, 240);
        Assert.Equal(x1, box.X1, 0.01f);
        Assert.Equal(y1, box.Y1, 0.01f);
        Assert.Equal(0.75f * 64, box.X2 - box.X1, 0.01f);
        Assert.Equal(114 / 255f, loaded.Pixels[0], 0.001f); // the grey padding above the frame
        Assert.Equal(40 / 255f, loaded.Pixels[(240 * 480) + 240], 0.001f);
    }

    [Fact]
    public void Problem_NoDataYaml_SaysSo()
    {
        var (root, _, _) = ReviewSetFolder.Write(_directory.Folder("no-yaml"), frames: 1);
        File.Delete(Path.Combine(root, "data.yaml"));

        Assert.Contains("has no data.yaml", ExtraDataset.Problem(root), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_NoLabelsFolder_SaysSo()
    {
        var (root, _, _) = ReviewSetFolder.Write(_directory.Folder("no-labels"), frames: 1);
        Directory.Delete(Path.Combine(root, "labels"), recursive: true);

        Assert.Contains("no labels/", ExtraDataset.Problem(root), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_OtherClassNames_NamesBoth()
    {
        var (root, _, _) = ReviewSetFolder.Write(_directory.Folder("names"), frames: 1);
        File.WriteAllText(Path.Combine(root, "data.yaml"), "names:\n  0: scratch\n  1: dent\n  2: crack\n  3: spot\n");

        var problem = ExtraDataset.Problem(root);

        Assert.Contains("[scratch, dent, crack, spot]", problem, StringComparison.Ordinal);
        Assert.Contains("[scratch, spot, crack, dent]", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_BadLabelLine_NamesFileAndLine()
    {
        var (root, _, _) = ReviewSetFolder.Write(_directory.Folder("bad"), frames: 1);
        File.WriteAllText(Path.Combine(root, "labels", "0000.txt"), "0 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n");

        Assert.Contains("0000.txt' line 2: class 7", ExtraDataset.Problem(root), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_NoImages_SaysSo()
    {
        var root = _directory.Folder("empty");
        Directory.CreateDirectory(Path.Combine(root, "images"));
        Directory.CreateDirectory(Path.Combine(root, "labels"));
        File.WriteAllText(Path.Combine(root, "data.yaml"), ReviewSetFolder.DataYaml);

        Assert.Contains("holds no images", ExtraDataset.Problem(root), StringComparison.Ordinal);
    }
}
