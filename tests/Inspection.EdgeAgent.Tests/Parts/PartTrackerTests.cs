using Inspection.Detection.Parts;
using Inspection.ModelTools.Line;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>The part tracker on rendered frames of the synthetic line, scored against the line's own part ids.</summary>
public sealed class PartTrackerTests
{
    private const int Seed = 3;

    [Fact]
    public void Track_OnePartCrossingTheFrame_GivesItExactlyOneId()
    {
        var ids = TrackedIdsByPart(Seed, 0, 75 + 165);

        var part0 = Assert.Contains(0, ids);
        Assert.Single(part0);
    }

    [Fact]
    public void Track_TwoPartsInARow_GiveTwoDifferentIds()
    {
        var ids = TrackedIdsByPart(Seed, 0, 75 + 165);

        var first = Assert.Single(ids[0]);
        var second = Assert.Single(Assert.Contains(1, ids));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Track_EmptyBelt_GivesNoPart()
    {
        // A line whose first part enters late: its first frames show the bare belt under drifting light and noise.
        var (seed, emptyFrames) = Enumerable.Range(1, 200)
            .Select(s => (Seed: s, Empty: EmptyLeadFrames(s)))
            .First(s => s.Empty >= 8);
        using var line = new SyntheticLine(seed);
        using var tracker = new PartTracker(new PartTrackerOptions());

        for (var index = 0; index < emptyFrames; index++)
        {
            using var rendered = line.Render(index);
            Assert.DoesNotContain(rendered.Parts, p => p.Box.X2 > 0);
            Assert.Null(tracker.Track(rendered.Frame));
            Assert.True(tracker.InView.IsEmpty);
        }
    }

    [Fact]
    public void Track_PartsLeaveTheFrame_EachIsListedAsClosedOnceAfterItWasLastSeen()
    {
        using var line = new SyntheticLine(Seed);
        using var tracker = new PartTracker(new PartTrackerOptions());
        var lastSeen = new Dictionary<long, int>();
        var closedAt = new Dictionary<long, int>();
        for (var index = 0; index < 75 + 165; index++)
        {
            using var rendered = line.Render(index);
            tracker.Track(rendered.Frame);
            foreach (var id in tracker.ClosedInLastFrame)
            {
                Assert.True(closedAt.TryAdd(id, index), $"part {id} closed twice");
            }

            foreach (var sighting in tracker.InView)
            {
                Assert.DoesNotContain(sighting.PartId, closedAt.Keys);
                lastSeen[sighting.PartId] = index;
            }
        }

        Assert.NotEmpty(closedAt);
        Assert.Equal(closedAt.Count, tracker.ClosedParts);
        Assert.All(closedAt, c => Assert.Equal(lastSeen[c.Key] + new PartTrackerOptions().MaxMissedFrames + 1, c.Value));
    }

    [Fact]
    public void Reset_PartsInView_AreListedAsClosed()
    {
        using var line = new SyntheticLine(Seed);
        using var tracker = new PartTracker(new PartTrackerOptions());
        for (var index = 0; index < 60; index++)
        {
            using var rendered = line.Render(index);
            tracker.Track(rendered.Frame);
        }

        var inView = tracker.InView.ToArray().Select(s => s.PartId).Order().ToList();
        Assert.NotEmpty(inView);

        tracker.Reset();

        Assert.Equal(inView, tracker.ClosedInLastFrame.ToArray().Order());
        Assert.True(tracker.InView.IsEmpty);
    }

    /// <summary>For each true part, the tracker ids of the sightings that lie on it, over frames [first, first + count).</summary>
    private static Dictionary<int, HashSet<long>> TrackedIdsByPart(int seed, int first, int count)
    {
        using var line = new SyntheticLine(seed);
        using var tracker = new PartTracker(new PartTrackerOptions());
        var ids = new Dictionary<int, HashSet<long>>();
        for (var index = first; index < first + count; index++)
        {
            using var rendered = line.Render(index);
            tracker.Track(rendered.Frame);
            foreach (var sighting in tracker.InView)
            {
                var part = rendered.Parts.FirstOrDefault(p => p.Contains(sighting.CenterX, sighting.CenterY));
                Assert.True(part is not null, $"frame {index}: a part seen at ({sighting.CenterX:F0}, {sighting.CenterY:F0}) lies on bare belt");
                ids.TryAdd(part.PartId, []);
                ids[part.PartId].Add(sighting.PartId);
            }
        }

        return ids;
    }

    /// <summary>How many frames at the start of the line show no part at all (not even an edge in the frame).</summary>
    private static int EmptyLeadFrames(int seed)
    {
        using var line = new SyntheticLine(seed, 64, 48);
        var index = 0;
        while (index < 20)
        {
            using var rendered = line.Render(index);
            if (rendered.Parts.Any(p => p.Box.X2 > 0))
            {
                break;
            }

            index++;
        }

        return index;
    }
}
