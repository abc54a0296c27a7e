using Inspection.ModelTools.Evaluation;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;

namespace Inspection.ModelTools.Tests.Models;

/// <summary>The committed models, run through ONNX Runtime on rendered frames, against the suggested band.</summary>
public sealed class ModelQualityTests
{
    private static readonly string EdgePath = Path.Combine(RepositoryPaths.Models, ModelCatalog.Edge.FileName);
    private static readonly string CloudPath = Path.Combine(RepositoryPaths.Models, ModelCatalog.Cloud.FileName);
    private static readonly float Lower = ModelCatalog.SuggestedBand.Lower;
    private static readonly float Upper = ModelCatalog.SuggestedBand.Upper;

    [Theory]
    [InlineData(DefectClasses.Scratch)]
    [InlineData(DefectClasses.Spot)]
    public void EdgeModel_ClearDefect_ScoresAtOrAboveUpperEdge(int classId)
    {
        using var runner = new ModelRunner(EdgePath);
        var scored = 0;
        foreach (var (seed, index) in FramesWith(t => t.ClassId == classId && !t.Faint, count: 6))
        {
            using var line = new SyntheticLine(seed);
            using var rendered = line.Render(index);
            runner.Run(rendered.Frame);
            foreach (var truth in rendered.Truth.Where(t => t.ClassId == classId && !t.Faint))
            {
                var score = runner.MaxScore(classId, truth.Box.X1, truth.Box.Y1, truth.Box.X2, truth.Box.Y2);
                Assert.True(score >= Upper, $"seed {seed} frame {index}: clear {truth.ClassName} at {truth.Box} scored {score:0.000} < {Upper}");
                scored++;
            }
        }

        Assert.True(scored >= 6);
    }

    [Fact]
    public void EdgeModel_CleanParts_ScoreBelowLowerEdgeEverywhereInFrame()
    {
        using var runner = new ModelRunner(EdgePath);
        var frames = 0;
        foreach (var seed in new[] { 41, 42, 43 })
        {
            using var line = new SyntheticLine(seed);
            for (var index = 0; index < 1500 && frames < 12 * (seed - 40); index += 9)
            {
                using var rendered = line.Render(index);
                if (rendered.Parts.Count == 0 || rendered.Parts.Any(p => p.IsDefective))
                {
                    continue;
                }

                runner.Run(rendered.Frame);
                // The whole input, plates, holes, belt and letterbox padding alike.
                var score = runner.MaxScore(null, double.MinValue, double.MinValue, double.MaxValue, double.MaxValue);
                Assert.True(score < Lower, $"seed {seed} frame {index}: clean frame scored {score:0.000} ≥ {Lower}");
                frames++;
            }
        }

        Assert.True(frames >= 30, $"only {frames} clean frames");
    }

    [Fact]
    public void EdgeModel_DefectivePart_ScoresAboveCleanPartInSameFrame()
    {
        using var runner = new ModelRunner(EdgePath);
        var (seed, index) = FramesWith(t => !t.Faint, count: 40)
            .First(f =>
            {
                using var candidateLine = new SyntheticLine(f.Seed);
                using var candidate = candidateLine.Render(f.Index);
                return candidate.Parts.Count(p => p.FullyVisible) == 2 && candidate.Parts.Any(p => !p.IsDefective);
            });
        using var line = new SyntheticLine(seed);
        using var rendered = line.Render(index);

        runner.Run(rendered.Frame);

        var defective = rendered.Parts.Single(p => p.IsDefective);
        var clean = rendered.Parts.Single(p => !p.IsDefective);
        Assert.True(runner.MaxScoreOnPart(defective) >= Upper);
        Assert.True(runner.MaxScoreOnPart(clean) < Lower);
    }

    [Fact]
    public void CloudModel_FaintDefects_ScoresHigherThanEdgeModel()
    {
        using var edge = new ModelRunner(EdgePath);
        using var cloud = new ModelRunner(CloudPath);
        var edgeScores = new List<float>();
        var cloudScores = new List<float>();
        foreach (var (seed, index) in FramesWith(t => t.Faint, count: 12))
        {
            using var line = new SyntheticLine(seed);
            using var rendered = line.Render(index);
            edge.Run(rendered.Frame);
            cloud.Run(rendered.Frame);
            foreach (var truth in rendered.Truth.Where(t => t.Faint))
            {
                edgeScores.Add(edge.MaxScore(truth.ClassId, truth.Box.X1, truth.Box.Y1, truth.Box.X2, truth.Box.Y2));
                cloudScores.Add(cloud.MaxScore(truth.ClassId, truth.Box.X1, truth.Box.Y1, truth.Box.X2, truth.Box.Y2));
            }
        }

        Assert.True(edgeScores.Count >= 12);
        Assert.True(cloudScores.Average() > edgeScores.Average() + 0.1,
            $"faint defects: cloud mean {cloudScores.Average():0.000}, edge mean {edgeScores.Average():0.000}");
        Assert.True(cloudScores.Count(s => s >= 0.5f) > edgeScores.Count(s => s >= 0.5f),
            $"faint recall at 0.5: cloud {cloudScores.Count(s => s >= 0.5f)}, edge {edgeScores.Count(s => s >= 0.5f)} of {edgeScores.Count}");
    }

    /// <summary>Frames (from fixed seeds, one every 3 frames apart from its part's previous pick) holding a matching defect.</summary>
    private static IEnumerable<(int Seed, long Index)> FramesWith(Func<GroundTruth, bool> match, int count)
    {
        var found = 0;
        foreach (var seed in new[] { 21, 22, 23, 24, 25, 26 })
        {
            using var line = new SyntheticLine(seed);
            var lastPart = -1;
            for (var index = 0L; index < 3000 && found < count; index += 3)
            {
                using var rendered = line.Render(index);
                var hit = rendered.Truth.FirstOrDefault(match);
                if (hit is null || hit.PartId == lastPart)
                {
                    continue;
                }

                // One frame per part, picked once the part is well inside the frame.
                if (!rendered.Parts.Single(p => p.PartId == hit.PartId).FullyVisible)
                {
                    continue;
                }

                lastPart = hit.PartId;
                found++;
                yield return (seed, index);
            }
        }
    }
}
