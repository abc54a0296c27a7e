using Inspection.ModelTools.Line;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>
/// The first 140 frames of synthetic line seed 3, rendered once for a test class (video and <c>labels.jsonl</c>): part 0
/// carries a dent, clear from frame 24 on; part 1 is clean and whole in view from frame 120, in frame 128 beside the
/// leaving part 0 and its dent.
/// </summary>
public sealed class RenderedLine : IDisposable
{
    public const int Seed = 3;
    public const int Frames = 140;

    private readonly TempDirectory _directory = new();

    public RenderedLine()
    {
        Directory = _directory.Folder("line");
        using var line = new SyntheticLine(Seed, 640, 480);
        LineExporter.Export(line, Directory, Frames, 15, images: false, CancellationToken.None);
    }

    public string Directory { get; }

    /// <summary>What frame <paramref name="index"/> shows of <paramref name="partId"/>: its box and its true defects.</summary>
    public static (BoundingBoxValues Part, List<(string ClassName, int ClassId, BoundingBoxValues Box)> Defects) Truth(int index, int partId)
    {
        using var line = new SyntheticLine(Seed, 640, 480);
        using var rendered = line.Render(index);
        var part = Assert.Single(rendered.Parts, p => p.PartId == partId).Box;
        return (
            new BoundingBoxValues(part.X1, part.Y1, part.X2, part.Y2),
            [.. rendered.Truth.Where(t => t.PartId == partId).Select(t => (t.ClassName, t.ClassId, new BoundingBoxValues(t.Box.X1, t.Box.Y1, t.Box.X2, t.Box.Y2)))]);
    }

    public void Dispose() => _directory.Dispose();
}
