using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Parts;

namespace Inspection.ModelTools.Tests.Evaluation.Parts;

public sealed class PartScorerTests
{
    private static readonly BoundingBox PartBox = new(100, 100, 200, 200);
    private static readonly BoundingBox OnPart = new(140, 140, 160, 160);
    private static readonly BoundingBox OnBelt = new(400, 400, 420, 420);

    // Edge band 0.3/0.8, cloud band 0.4/0.7.
    private static readonly PartSettings Settings = new(new DecisionBand(0.3f, 0.8f), new DecisionBand(0.4f, 0.7f), MaxEscalatedFrames: 2, WholeViewsOnly: true);

    [Fact]
    public void Score_DefectivePartTheCloudPasses_CountsAnEscapeTheEdgeAloneDidNot()
    {
        var clip = Clip(
            [Part(1, trueId: 7, (0, 0.1f, true), (1, 0.5f, true), (2, 0.2f, true))],
            [new TruePart(7, Defective: true, WithinClip: true)],
            cloud: new() { [1] = 0.1f });

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal(1, score.Escapes);
        Assert.Equal(0, score.EdgeAloneEscapes);
        Assert.Equal(1, score.Escalated);
        Assert.Equal(1, score.EscalatedFrames);
    }

    [Fact]
    public void Score_CleanPartTheEdgeRejects_CountsAFalseRejectWithoutEscalating()
    {
        var clip = Clip(
            [Part(1, trueId: 3, (0, 0.2f, true), (1, 0.9f, true))],
            [new TruePart(3, Defective: false, WithinClip: true)],
            cloud: []);

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal(1, score.FalseRejects);
        Assert.Equal(1, score.EdgeAloneFalseRejects);
        Assert.Equal(0, score.Escalated);
        Assert.Equal(0, clip.CloudRuns);
    }

    [Fact]
    public void Score_PartSplitIntoTwoTrackerIds_CountsTwoEscalationsForOnePart()
    {
        var clip = Clip(
            [Part(1, trueId: 5, (0, 0.5f, true), (1, 0.4f, true)), Part(2, trueId: 5, (3, 0.6f, true)), Part(3, trueId: 6, (10, 0.5f, true))],
            [new TruePart(5, Defective: true, WithinClip: true), new TruePart(6, Defective: false, WithinClip: true)],
            cloud: new() { [0] = 0.9f, [1] = 0.5f, [3] = 0.5f, [10] = 0.1f });

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal(2, score.Escalated);
        Assert.Equal(3, score.Escalations);
        Assert.Equal(1.5, score.EscalationsPerUncertainPart);
        Assert.Equal(0, score.Escapes);
        Assert.Equal(0, score.LeftToPerson);
    }

    [Fact]
    public void Score_PartOutsideTheClipAndIdOnBelt_AreNotScoredButBeltEscalationsAreCounted()
    {
        var clip = Clip(
            [Part(1, trueId: 8, (0, 0.5f, true)), Part(2, trueId: null, (5, 0.5f, true)), Part(3, trueId: 9, (6, 0.1f, true))],
            [new TruePart(8, Defective: true, WithinClip: false), new TruePart(9, Defective: false, WithinClip: true)],
            cloud: new() { [0] = 0.1f, [5] = 0.1f });

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal(1, score.Parts);
        Assert.Equal(0, score.Defective);
        Assert.Equal(0, score.Escapes);
        Assert.Equal(0, score.Escalated);
        Assert.Equal(1, score.BeltEscalations);
    }

    [Fact]
    public void Score_DefectivePartNoIdStandsFor_CountsMissedAndAnEscape()
    {
        var clip = Clip([], [new TruePart(4, Defective: true, WithinClip: true)], cloud: []);

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal(1, score.Missed);
        Assert.Equal(1, score.Escapes);
    }

    [Fact]
    public void Score_UncertainPart_SendsTheKHighestUncertainWholeViewsTiesToTheEarlierFrame()
    {
        // Frame 4 scores highest but is a partial view; frames 1 and 3 tie, so 1 goes before 3 and K = 2 stops there.
        var asked = new List<int>();
        var clip = new PartClip(
            1, 10, [Part(1, trueId: 2, (0, 0.35f, true), (1, 0.6f, true), (2, 0.1f, true), (3, 0.6f, true), (4, 0.75f, false))],
            [new TruePart(2, Defective: false, WithinClip: true)],
            frame =>
            {
                asked.Add(frame);
                return [];
            },
            detectionMargin: 8);

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal([1, 3], asked);
        Assert.Equal(2, score.EscalatedFrames);
        Assert.Equal(0, score.LeftToPerson);
    }

    [Fact]
    public void Score_CloudDetectionOffThePartBox_DoesNotCountForThePart()
    {
        var clip = new PartClip(
            1, 5, [Part(1, trueId: 2, (0, 0.5f, true))], [new TruePart(2, Defective: true, WithinClip: true)],
            _ => [new Inspection.Detection.Detection(0, "scratch", 0.95f, OnBelt)], detectionMargin: 8);

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal(1, score.Escapes);
    }

    [Fact]
    public void Score_CloudUncertainOnAnEscalatedFrame_LeavesThePartToAPerson()
    {
        var clip = Clip(
            [Part(1, trueId: 2, (0, 0.5f, true), (1, 0.4f, true))], [new TruePart(2, Defective: true, WithinClip: true)],
            cloud: new() { [0] = 0.5f, [1] = 0.1f });

        var score = PartScorer.Score(clip, Settings);

        Assert.Equal(1, score.LeftToPerson);
        Assert.Equal(1.0, score.LeftToPersonShare);
        Assert.Equal(0, score.Escapes);
    }

    [Fact]
    public void FromSaved_ClipPrefetchedAndSaved_ScoresAsTheLiveClipAndRefusesFramesNeverRun()
    {
        var live = Clip(
            [Part(1, trueId: 2, (0, 0.5f, true), (1, 0.45f, true), (2, 0.4f, true), (3, 0.2f, true))],
            [new TruePart(2, Defective: true, WithinClip: true)],
            cloud: new() { [0] = 0.9f, [1] = 0.5f, [2] = 0.1f, [3] = 0.1f });
        live.Prefetch(maxFrames: 2);

        var json = live.ToSaved().ToJson();
        var saved = PartClip.FromSaved(System.Text.Json.JsonSerializer.Deserialize<SavedPartClip>(json, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!);

        Assert.Equal(PartScorer.Score(live, Settings), PartScorer.Score(saved, Settings));
        Assert.Throws<InvalidOperationException>(() => PartScorer.Score(saved, Settings with { MaxEscalatedFrames = 3 }));
    }

    private static TrackedPart Part(long id, int? trueId, params (int Frame, float Score, bool Whole)[] views) =>
        new(id, trueId, [.. views.Select(v => new PartView(v.Frame, v.Score, PartBox, v.Whole))]);

    private static PartClip Clip(IReadOnlyList<TrackedPart> parts, IReadOnlyList<TruePart> truth, Dictionary<int, float> cloud) =>
        new(1, 100, parts, truth,
            frame => cloud.TryGetValue(frame, out var score) ? [new Inspection.Detection.Detection(1, "spot", score, OnPart)] : [],
            detectionMargin: 8);
}
