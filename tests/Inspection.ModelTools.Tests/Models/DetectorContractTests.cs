using Inspection.Detection;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.ModelTools.Tests.Models;

/// <summary>The committed models through the deployables' own detector: one model contract, no special cases.</summary>
public sealed class DetectorContractTests
{
    public static TheoryData<string> Designs => new(ShippedModels.All);

    private static OnnxDetector Load(string fileName) =>
        OnnxDetector.Load(
            new DetectorOptions { ModelPath = Path.Combine(RepositoryPaths.Models, fileName), ExecutionProviders = ["CPU"] },
            NullLogger.Instance);

    [Theory]
    [MemberData(nameof(Designs))]
    public void Load_CommittedModel_ReadsMetadata(string fileName)
    {
        using var detector = Load(fileName);

        Assert.Equal(DefectClasses.Names, detector.Model.ClassNames);
        Assert.Equal(8, detector.Model.Stride);
        Assert.Equal("2.0.0", detector.Model.Version);
        Assert.Equal(fileName == ShippedModels.Cloud ? 640 : 480, detector.Model.InputWidth);
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void Detect_ClearDefect_DefectDecisionWithBoxOnTheDefect(string fileName)
    {
        using var detector = Load(fileName);
        using var line = new SyntheticLine(7);
        using var rendered = line.Render(FirstFrame(line, f => f.Truth.Count == 1 && f.Truth.All(t => !t.Faint && !t.Truncated)
            && f.Parts.Single(p => p.PartId == f.Truth[0].PartId).FullyVisible));
        var truth = rendered.Truth[0];

        var detections = detector.Detect(rendered.Frame);

        Assert.Equal(Decision.Defect, ShippedModels.Band.Decide(detections));
        var best = detections.MaxBy(d => d.Confidence)!;
        Assert.Equal(truth.ClassName, best.ClassName);
        var (cx, cy) = ((best.Box.X1 + best.Box.X2) / 2, (best.Box.Y1 + best.Box.Y2) / 2);
        Assert.InRange(cx, truth.Box.X1 - 16, truth.Box.X2 + 16);
        Assert.InRange(cy, truth.Box.Y1 - 16, truth.Box.Y2 + 16);
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void Detect_CleanParts_PassDecision(string fileName)
    {
        using var detector = Load(fileName);
        using var line = new SyntheticLine(7);
        using var rendered = line.Render(FirstFrame(line, f => f.Parts.Count(p => p.FullyVisible) >= 1 && f.Parts.All(p => !p.IsDefective)));

        var detections = detector.Detect(rendered.Frame);

        Assert.Equal(Decision.Pass, ShippedModels.Band.Decide(detections));
    }

    /// <summary>The first frame (every 5th from 100) of <paramref name="line"/> that <paramref name="match"/> accepts.</summary>
    private static long FirstFrame(SyntheticLine line, Func<RenderedFrame, bool> match)
    {
        for (var index = 100L; index < 6000; index += 5)
        {
            using var rendered = line.Render(index);
            if (match(rendered))
            {
                return index;
            }
        }

        throw new InvalidOperationException("No frame of the line matches.");
    }
}
