namespace Inspection.ModelTools.Dataset;

/// <summary>What one split of an exported dataset holds.</summary>
/// <param name="Split">Which split.</param>
/// <param name="LineSeed">Seed of the synthetic line the split was rendered from (see <see cref="DatasetExporter.LineSeedFor"/>).</param>
/// <param name="Frames">Images written.</param>
/// <param name="FramesWithDefects">Images with at least one labelled defect; the rest have an empty label file.</param>
/// <param name="BoxesPerClass">Labelled boxes by class id (index into <see cref="Line.DefectClasses.Names"/>).</param>
/// <param name="FaintBoxes">Labelled boxes that are deliberately low-contrast defects.</param>
public sealed record DatasetSplitSummary(DatasetSplit Split, int LineSeed, int Frames, int FramesWithDefects, IReadOnlyList<int> BoxesPerClass, int FaintBoxes)
{
    public int CleanFrames => Frames - FramesWithDefects;

    public int Boxes => BoxesPerClass.Sum();

    /// <summary>Share of the split's images that show at least one defect (0 for an empty split).</summary>
    public double DefectFrameShare => Frames == 0 ? 0 : (double)FramesWithDefects / Frames;

    /// <summary>Share of the split's boxes that are faint (0 when there are no boxes).</summary>
    public double FaintShare => Boxes == 0 ? 0 : (double)FaintBoxes / Boxes;
}
