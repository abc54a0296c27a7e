namespace Inspection.ModelTools.Dataset;

/// <summary>What <see cref="DatasetExporter.Export"/> wrote.</summary>
/// <param name="OutputDirectory">The dataset folder (full path), holding <c>data.yaml</c>.</param>
/// <param name="Splits">One summary per split, in the order train, val, test.</param>
public sealed record DatasetExportResult(string OutputDirectory, IReadOnlyList<DatasetSplitSummary> Splits)
{
    public int Frames => Splits.Sum(s => s.Frames);

    public int FramesWithDefects => Splits.Sum(s => s.FramesWithDefects);

    public int Boxes => Splits.Sum(s => s.Boxes);

    public int FaintBoxes => Splits.Sum(s => s.FaintBoxes);

    /// <summary>The summary of one split.</summary>
    public DatasetSplitSummary this[DatasetSplit split] => Splits.Single(s => s.Split == split);
}
