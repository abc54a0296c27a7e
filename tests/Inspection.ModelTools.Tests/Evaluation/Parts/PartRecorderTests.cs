using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Evaluation.Parts;
using Inspection.ModelTools.Line;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.ModelTools.Tests.Evaluation.Parts;

/// <summary>The part evaluation on a short real clip: the real line, the shipped models and the real tracker.</summary>
public sealed class PartRecorderTests
{
    // Enough frames for a part or two to enter and leave (a part every ~75 frames, ~110 frames to cross).
    private const int Frames = 260;

    [Fact]
    public void Record_RealModelsOnAShortClip_ScoresPartsAsTheFrameByFrameRuleDecidesThem()
    {
        using var edge = Load(ShippedModelPath("edge", "inspection-edge.onnx"));
        using var cloud = Load(ShippedModelPath("cloud", "inspection-cloud.onnx"));
        using var line = new SyntheticLine(2705, TestSplitRunner.FrameWidth, TestSplitRunner.FrameHeight);

        var clip = PartRecorder.Record(line, Frames, edge, cloud, new PartTrackerOptions(), 8, null, TestContext.Current.CancellationToken).Clip;
        var settings = new PartSettings(new DecisionBand(0.002f, 1f), new DecisionBand(0.3f, 0.8f), 2, WholeViewsOnly: true);
        var score = PartScorer.Score(clip, settings);

        Assert.InRange(score.Parts, 1, 4);
        Assert.Equal(0, score.Missed);
        Assert.All(clip.TrackedParts.Where(p => p.TruePartId is not null), p => Assert.Contains(clip.TrueParts, t => t.Id == p.TruePartId));

        // The scorer reads the part's verdict off its best view; the agent combines frame decisions one by one.
        var literal = clip.TrackedParts.Select((p, i) =>
        {
            var views = p.Views.Any(v => v.WholeInView) ? p.Views.Where(v => v.WholeInView) : p.Views;
            return PartVerdict.Of(views.Select(v => settings.EdgeBand.Decide(v.EdgeScore > 0 ? [new Inspection.Detection.Detection(0, "scratch", v.EdgeScore, v.Box)] : [])));
        }).ToList();
        var uncertainIds = literal.Count(d => d == Decision.Uncertain);
        Assert.True(uncertainIds > 0, "a band from 0.002 to 1 leaves every part with a detection on it uncertain");
        Assert.Equal(uncertainIds, score.Escalations + score.BeltEscalations + UnscoredEscalations(clip, settings));
        Assert.InRange(clip.CloudRuns, 1, uncertainIds * settings.MaxEscalatedFrames);
    }

    private static int UnscoredEscalations(PartClip clip, PartSettings settings)
    {
        var scored = clip.TrueParts.Where(t => t.WithinClip).Select(t => t.Id).ToHashSet();
        return clip.TrackedParts.Select((p, i) => (p, i)).Count(x =>
            x.p.TruePartId is { } id && !scored.Contains(id)
            && clip.RankedViews(x.i, settings.WholeViewsOnly) is { Count: > 0 } ranked
            && PartScorer.Decide(settings.EdgeBand, ranked[0].EdgeScore) == Decision.Uncertain);
    }

    private static string ShippedModelPath(string folder, string file) => Path.Combine(RepositoryPaths.Models, folder, file);

    private static OnnxDetector Load(string path) =>
        OnnxDetector.Load(new DetectorOptions { ModelPath = path, ExecutionProviders = ["CPU"], ScoreThreshold = 0.001f, IntraOpThreads = 1 }, NullLogger.Instance);
}
