using Inspection.Detection;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Storage;

public sealed class OutboxStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();

    [Fact]
    public void TakeDue_MixedDueTimes_ReturnsOnlyDueEntriesOldestFirst()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var outbox = new OutboxStore(database);
        outbox.Add(Entry(3, Now.AddSeconds(-1)));
        outbox.Add(Entry(1, Now));
        outbox.Add(Entry(2, Now.AddSeconds(30)));

        var due = outbox.TakeDue(Now, max: 10);

        Assert.Equal([1L, 3L], due.Select(e => e.Id));
    }

    [Fact]
    public void Add_ThenReopen_EntryIsStillThere()
    {
        var path = _temp.File("durable.db");
        using (var database = new EdgeDatabase(path))
        {
            new OutboxStore(database).Add(Entry(42, Now));
        }

        using var reopened = new EdgeDatabase(path);
        var entry = new OutboxStore(reopened).Find(42);

        Assert.NotNull(entry);
        Assert.Equal([1, 2, 3], entry.Jpeg);
    }

    [Fact]
    public void Reject_MovesTheEntryWithTheReasonAndKeepsItsFrame()
    {
        using var database = new EdgeDatabase(_temp.File("reject.db"));
        var outbox = new OutboxStore(database);
        var entry = Entry(7, Now);
        outbox.Add(entry);

        outbox.Reject(entry, "unreadable JPEG", Now);

        Assert.Null(outbox.Find(7));
        var rejected = outbox.FindRejected(7);
        Assert.NotNull(rejected);
        Assert.Equal("unreadable JPEG", rejected.Error);
        Assert.Equal([1, 2, 3], rejected.Entry.Jpeg);
    }

    [Fact]
    public void Escalate_BothAreOnDiskWhenItReturns()
    {
        var path = _temp.File("escalated.db");
        using (var database = new EdgeDatabase(path))
        {
            new OutboxStore(database).Escalate(new InspectionRecord { Id = 7, Decision = Decision.Uncertain }, new OutboxEntry { Id = 7, Jpeg = [1, 2, 3] });
        }

        using var reopened = new EdgeDatabase(path);
        Assert.Equal(Decision.Uncertain, new ResultStore(reopened, TestOptions.Of(new StorageOptions())).Find(7)?.Decision);
        Assert.Equal([1, 2, 3], new OutboxStore(reopened).Find(7)?.Jpeg);
    }

    [Fact]
    public void Escalate_OutboxEntryCannotBeWritten_ResultIsNotWrittenEither()
    {
        using var database = new EdgeDatabase(_temp.File("atomic.db"));
        var results = new ResultStore(database, TestOptions.Of(new StorageOptions()));
        var outbox = new OutboxStore(database);
        // An entry with the same key makes the second insert of the transaction fail after the first succeeded.
        outbox.Add(new OutboxEntry { Id = 8 });
        var before = outbox.Usage;

        Assert.Throws<LiteDB.LiteException>(() =>
            outbox.Escalate(new InspectionRecord { Id = 8, Decision = Decision.Uncertain }, new OutboxEntry { Id = 8 }));

        Assert.Null(results.Find(8));
        Assert.Equal(0, results.Count());
        Assert.Equal(before, outbox.Usage);
    }

    private static OutboxEntry Entry(long id, DateTimeOffset due) => new()
    {
        Id = id,
        LineId = "line-1",
        CapturedAt = Now.UtcDateTime,
        Jpeg = [1, 2, 3],
        NextAttemptAt = due.UtcDateTime,
    };

    public void Dispose() => _temp.Dispose();
}
