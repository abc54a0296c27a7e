using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Models;

namespace Inspection.ModelTools.Tests.Models;

/// <summary>Which synthetic lines the shipped models have seen, and the seeds reserved for unseen-seed evaluation.</summary>
public sealed class SeedUseTests
{
    [Fact]
    public void UseOf_TestLinesOfDatasetSeeds_TrainedOn333To353AndValidatedOn500And501Only()
    {
        var seen = Enumerable.Range(0, 100_000)
            .Select(seed => (Seed: seed, Use: SeedUse.UseOf(DatasetExporter.LineSeedFor(seed, DatasetSplit.Test))))
            .Where(s => s.Use is LineUse.Training or LineUse.Validation)
            .ToList();

        Assert.Equal(Enumerable.Range(333, 21), seen.Where(s => s.Use == LineUse.Training).Select(s => s.Seed));
        Assert.Equal([500, 501], seen.Where(s => s.Use == LineUse.Validation).Select(s => s.Seed));
    }

    [Fact]
    public void TrainingAndValidationLines_ShippedTrainerSeed_Are1000To1063And1500To1507()
    {
        Assert.Equal(Enumerable.Range(1000, 64), SeedUse.TrainingLinesFor(SeedUse.ShippedTrainerSeed));
        Assert.Equal(Enumerable.Range(1500, 8), SeedUse.ValidationLinesFor(SeedUse.ShippedTrainerSeed));
    }

    [Fact]
    public void LoopValidationDatasetSeeds_TheirLinesUsedForNothingElse()
    {
        var lines = SeedUse.LoopValidationDatasetSeeds.SelectMany(s => DatasetExporter.Splits.Select(split => DatasetExporter.LineSeedFor(s, split))).ToList();

        Assert.All(lines, line => Assert.Equal(LineUse.None, SeedUse.UseOf(line)));
        Assert.Empty(SeedUse.LoopValidationDatasetSeeds.Intersect(SeedUse.UnseenDatasetSeeds));
        Assert.Equal([2405, 2408, 2411], SeedUse.LoopValidationDatasetSeeds.Select(s => DatasetExporter.LineSeedFor(s, DatasetSplit.Test)));
    }

    [Fact]
    public void UnseenDatasetSeeds_AtLeastFive_NoneOfTheirLinesUsedForAnythingElse()
    {
        Assert.True(SeedUse.UnseenDatasetSeeds.Count >= 5);
        Assert.Equal(SeedUse.UnseenDatasetSeeds.Count, SeedUse.UnseenDatasetSeeds.Distinct().Count());
        var usedDatasetSeeds = new[] { SeedUse.ReportedTestDatasetSeed, SeedUse.NmsChoiceDatasetSeed };
        var usedLines = usedDatasetSeeds.SelectMany(s => DatasetExporter.Splits.Select(split => DatasetExporter.LineSeedFor(s, split)))
            .Concat(SeedUse.TrainingLinesFor(SeedUse.ShippedTrainerSeed))
            .Concat(SeedUse.ValidationLinesFor(SeedUse.ShippedTrainerSeed))
            .ToHashSet();
        foreach (var seed in SeedUse.UnseenDatasetSeeds)
        {
            foreach (var split in DatasetExporter.Splits)
            {
                var line = DatasetExporter.LineSeedFor(seed, split);
                Assert.DoesNotContain(line, usedLines);
                Assert.Null(SeedUse.SeenBecause(line));
                Assert.Null(SeedUse.ChosenOnNote(line));
            }

            Assert.Equal(LineUse.Reserved, SeedUse.UseOf(DatasetExporter.LineSeedFor(seed, DatasetSplit.Test)));
        }
    }

    [Fact]
    public void UseOf_TestLinesOfDatasetSeeds1And2_AreTestWithANote()
    {
        Assert.Equal(LineUse.Test, SeedUse.UseOf(5));
        Assert.Equal(LineUse.Test, SeedUse.UseOf(8));
        Assert.Contains("band", SeedUse.ChosenOnNote(5), StringComparison.Ordinal);
        Assert.Contains("NMS", SeedUse.ChosenOnNote(8), StringComparison.Ordinal);
        Assert.Null(SeedUse.SeenBecause(5));
    }

    [Fact]
    public void ModelCard_SeedTable_NamesEveryUseAndTheUnseenSeeds()
    {
        var card = File.ReadAllText(Path.Combine(RepositoryPaths.Models, "README.md"));

        Assert.Contains("## Seeds and what they were used for", card, StringComparison.Ordinal);
        Assert.Contains("1000–1063", card, StringComparison.Ordinal);
        Assert.Contains("1500–1507", card, StringComparison.Ordinal);
        Assert.Contains(SeedUse.Join(SeedUse.UnseenDatasetSeeds), card, StringComparison.Ordinal);
    }
}
