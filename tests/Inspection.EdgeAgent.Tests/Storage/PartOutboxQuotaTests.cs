using Inspection.Detection;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Storage;

/// <summary>Part entries (up to K frames each) under the outbox quota, LiteDB on disk.</summary>
public sealed class PartOutboxQuotaTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly EdgeDatabase _database;
    private readonly OutboxStore _outbox;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly List<OutboxEviction> _evictions = [];

    public PartOutboxQuotaTests()
    {
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _outbox = new OutboxStore(_database, TestOptions.Of(new OutboxOptions { MaxEntries = 1 }), _time);
        _outbox.Evicted += _evictions.Add;
    }

    [Fact]
    public void WriteParts_QuotaFull_EvictsTheReadyPartEntryAndMarksItsPartAndEveryFrameItHeld()
    {
        _outbox.WriteParts(Result(2), [Entry(1, mainFrame: 2, otherFrames: [3], open: false)], [], [Part(1)], new HashSet<long>());
        _database.ResultCollection.Insert(Result(3));

        _outbox.WriteParts(Result(20), [Entry(20, mainFrame: 20, otherFrames: [], open: true)], [], [], new HashSet<long>());

        Assert.Null(_outbox.Find(1));
        Assert.NotNull(_outbox.Find(20));
        Assert.Equal(1, _outbox.Count());
        Assert.Equal("quota", _outbox.FindPart(1)!.OutboxEvicted);
        Assert.Equal(("quota", "quota"), (_database.ResultCollection.FindById(2).OutboxEvicted, _database.ResultCollection.FindById(3).OutboxEvicted));
        var eviction = Assert.Single(_evictions);
        Assert.Equal((1, 1L, 1L), (eviction.Count, eviction.FirstSequence, eviction.LastSequence));
        Assert.Equal(1, _outbox.Usage.Entries);
    }

    [Fact]
    public void WriteParts_OpenEntryEvictedSinceItsLastWrite_IsNotWrittenAgainAndIsReported()
    {
        _outbox.WriteParts(Result(1), [Entry(1, mainFrame: 1, otherFrames: [], open: true)], [], [], new HashSet<long>());
        _outbox.WriteParts(Result(20), [Entry(20, mainFrame: 20, otherFrames: [], open: true)], [], [], new HashSet<long>());

        var evicted = _outbox.WriteParts(Result(21), [Entry(1, mainFrame: 21, otherFrames: [1], open: true)], [], [], new HashSet<long> { 1 });

        Assert.Equal([1L], evicted);
        Assert.Null(_outbox.Find(1));
        Assert.NotNull(_outbox.Find(20));
        Assert.NotNull(_database.ResultCollection.FindById(21L));
    }

    [Fact]
    public void WriteParts_GrowingEntryAlone_IsNeverTheVictimOfItsOwnWrite()
    {
        _outbox.WriteParts(Result(1), [Entry(1, mainFrame: 1, otherFrames: [], open: true)], [], [], new HashSet<long>());

        var evicted = _outbox.WriteParts(Result(2), [Entry(1, mainFrame: 2, otherFrames: [1], open: true)], [], [], new HashSet<long> { 1 });

        Assert.Empty(evicted);
        Assert.Equal(2, _outbox.Find(1)!.FrameSequence);
        Assert.Empty(_evictions);
        Assert.Equal(1, _outbox.Usage.Entries);
    }

    private OutboxEntry Entry(long id, long mainFrame, long[] otherFrames, bool open) => new()
    {
        Id = id,
        LineId = "line-7",
        CapturedAt = _time.GetUtcNow().UtcDateTime,
        Jpeg = new byte[4096],
        Width = 64,
        Height = 48,
        NextAttemptAt = open ? DateTime.MaxValue : _time.GetUtcNow().UtcDateTime,
        PartSource = "tracker",
        Open = open,
        FrameSequence = mainFrame,
        PartBox = new PartBoxRecord { X1 = 1, Y1 = 2, X2 = 30, Y2 = 40 },
        PartFrames = [.. otherFrames.Select(s => new PartFrameEntry { Sequence = s, Jpeg = new byte[4096], Width = 64, Height = 48, Score = 0.5f })],
        FramesSeen = 1 + otherFrames.Length,
        FramesUncertain = 1 + otherFrames.Length,
    };

    private static PartRecord Part(long id) => new() { Id = id, Source = "tracker", EdgeDecision = Decision.Uncertain };

    private InspectionRecord Result(long sequence) => new() { Id = sequence, CapturedAt = _time.GetUtcNow().UtcDateTime, Decision = Decision.Uncertain };

    public void Dispose()
    {
        _database.Dispose();
        _temp.Dispose();
    }
}
