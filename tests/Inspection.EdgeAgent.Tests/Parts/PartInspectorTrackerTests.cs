using Inspection.Detection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Storage;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>Tracker mode over a real clip of the synthetic line with the real int8 model, LiteDB on disk.</summary>
public sealed class PartInspectorTrackerTests(TrackerClip clip) : IClassFixture<TrackerClip>
{
    private const int MaxFrames = 3;

    [Fact]
    public void Inspect_TrackerClip_EveryFrameIsStoredWithThePartsItShows()
    {
        var records = clip.Pipeline.Database.ResultCollection.FindAll().OrderBy(r => r.Id).ToList();

        Assert.Equal(TrackerClip.Frames, records.Count);
        Assert.All(records, r => Assert.NotNull(r.PartIds));
        var closed = clip.ClosedParts;
        Assert.True(closed.Count >= 3, $"only {closed.Count} parts closed in the clip");
        foreach (var part in closed)
        {
            // A part's id is the sequence of the first frame that shows it.
            var showing = records.Where(r => r.PartIds!.Contains(part.PartId)).ToList();
            Assert.Equal(part.PartId, showing[0].Id);
            Assert.Equal(part.FramesSeen, showing.Count);
        }
    }

    [Fact]
    public void Inspect_TrackerClip_EachUncertainPartHasOneReadyEntryWithAtMostKMostInformativeFrames()
    {
        var uncertain = clip.ClosedParts.Where(p => p.Decision == Decision.Uncertain).ToList();
        Assert.NotEmpty(uncertain);

        foreach (var part in uncertain)
        {
            var entry = clip.Pipeline.Outbox.Find(part.PartId);
            Assert.NotNull(entry);
            Assert.Equal((PartsOptions.Tracker, false), (entry.PartSource, entry.Open));
            Assert.True(entry.NextAttemptAt <= clip.Pipeline.Time.GetUtcNow().UtcDateTime);
            Assert.InRange(1 + entry.PartFrames.Count, 1, MaxFrames);
            Assert.NotNull(entry.PartBox);
            Assert.All(entry.PartFrames, f => Assert.NotNull(f.Box));

            // Most informative first: the deciding scores of the frames on the part do not rise, and every frame sent
            // was uncertain for the part (its score inside the band) and shows it.
            var scores = entry.PartFrames.Select(f => f.Score).Prepend(Best(entry.Detections)).ToList();
            Assert.Equal(scores.OrderByDescending(s => s), scores);
            Assert.All(scores, s => Assert.InRange(s, 0.25f, 0.95f));
            var sent = entry.PartFrames.Select(f => f.Sequence).Prepend(entry.FrameSequence);
            Assert.All(sent, s => Assert.Contains(part.PartId, clip.Pipeline.Results.Find(s)!.PartIds!));

            var record = clip.Pipeline.Outbox.FindPart(part.PartId)!;
            Assert.Equal(Decision.Uncertain, record.EdgeDecision);
            Assert.Equal(sent, record.EscalatedFrames);
        }
    }

    [Fact]
    public void Inspect_TrackerClip_PassedAndRejectedPartsHaveNoEntryButARecord()
    {
        var decided = clip.ClosedParts.Where(p => p.Decision != Decision.Uncertain).ToList();
        Assert.NotEmpty(decided);

        foreach (var part in decided)
        {
            Assert.Null(clip.Pipeline.Outbox.Find(part.PartId));
            var record = clip.Pipeline.Outbox.FindPart(part.PartId)!;
            Assert.Equal(part.Decision, record.EdgeDecision);
            Assert.Empty(record.EscalatedFrames);
        }
    }

    [Fact]
    public void Inspect_TrackerClip_OutboxHoldsOnlyPartEntriesAndOpenOnesAreNotDue()
    {
        var closed = clip.ClosedParts;
        var entries = clip.Pipeline.Database.OutboxCollection.FindAll().ToList();

        Assert.All(entries, e => Assert.Equal(PartsOptions.Tracker, e.PartSource));
        var ready = entries.Where(e => !e.Open).Select(e => e.Id).Order().ToList();
        Assert.Equal(closed.Where(p => p.Decision == Decision.Uncertain).Select(p => p.PartId).Order(), ready);
        var due = clip.Pipeline.Outbox.TakeDue(clip.Pipeline.Time.GetUtcNow(), 100).Select(e => e.Id).Order();
        Assert.Equal(ready, due);
    }

    [Fact]
    public void Inspect_TrackerClip_CountersMatchTheClosedParts()
    {
        var closed = clip.ClosedParts;
        var stats = clip.Pipeline.Stats;

        Assert.Equal(PartsOptions.Tracker, stats.PartSource);
        Assert.Equal(closed.Count(p => p.Decision == Decision.Pass), stats.PartsPassed);
        Assert.Equal(closed.Count(p => p.Decision == Decision.Defect), stats.PartsRejected);
        Assert.Equal(closed.Count(p => p.Decision == Decision.Uncertain), stats.PartsUncertain);
        Assert.Equal(clip.Pipeline.Parts.InView, stats.PartsInView);
        Assert.Equal(TrackerClip.Frames, stats.Frames);
    }

    private static float Best(List<DetectionRecord> detections) => detections.Count == 0 ? 0 : detections.Max(d => d.Confidence);
}
