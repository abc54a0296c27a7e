using Inspection.Detection;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.ModelTools.Tests.Models;

/// <summary>The committed models through the deployables' own detector: one model contract, no special cases.</summary>
public sealed class DetectorContractTests
{
    public static TheoryData<string> Designs => new(ModelCatalog.All.Select(d => d.FileName));

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
        Assert.Equal("1.0.0", detector.Model.Version);
        Assert.Equal(ModelCatalog.All.Single(d => d.FileName == fileName).InputSize, detector.Model.InputWidth);
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void Detect_ClearDefect_DefectDecisionWithBoxOnTheDefect(string fileName)
    {
        using var detector = Load(fileName);
        using var line = new SyntheticLine(7);
        using var rendered = line.Render(440); // seed 7, frame 440: a clear scratch on a part fully in view
        var truth = Assert.Single(rendered.Truth);
        Assert.False(truth.Faint);

        var detections = detector.Detect(rendered.Frame);

        Assert.Equal(Decision.Defect, ModelCatalog.SuggestedBand.Decide(detections));
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
        using var rendered = line.Render(120); // seed 7, frame 120: clean parts only
        Assert.NotEmpty(rendered.Parts);
        Assert.DoesNotContain(rendered.Parts, p => p.IsDefective);

        var detections = detector.Detect(rendered.Frame);

        Assert.Equal(Decision.Pass, ModelCatalog.SuggestedBand.Decide(detections));
    }
}
