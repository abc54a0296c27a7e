using Inspection.Detection;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Storage;

public sealed class OutboxQuotaTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public void Escalate_EntryQuotaHitLeastUncertainFirst_EvictsTheLeastUncertainOldestFirstAndRecordsItOnTheirResults()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        // Quota of 4 entries; the insert evicts the one it needs, the pass leaves 3 (0.75 of 4).
        var outbox = Store(database, new OutboxOptions { MaxEntries = 4, EvictToShare = 0.75 });
        var evictions = Record(outbox);
        double[] uncertainty = [0.9, 0.2, 0.5, 0.2];
        for (var i = 0; i < uncertainty.Length; i++)
        {
            Escalate(outbox, i + 1, uncertainty[i]);
        }

        // The newest is the least uncertain of all: it is stored anyway, and goes first at the pass.
        Escalate(outbox, 5, 0.1);

        Assert.Equal([1L, 3L, 4L, 5L], Remaining(database));
        var eviction = Assert.Single(evictions);
        Assert.Equal((OutboxEvictionReason.Quota, OutboxOptions.LeastUncertainFirst, 1, 2L, 2L), (eviction.Reason, eviction.Policy, eviction.Count, eviction.FirstSequence, eviction.LastSequence));

        var pass = outbox.EvictToShare();

        Assert.NotNull(pass);
        Assert.Equal([1L, 3L, 4L], Remaining(database));
        Assert.Equal((OutboxEvictionReason.Quota, 1, 5L, 5L), (pass.Reason, pass.Count, pass.FirstSequence, pass.LastSequence));
        Assert.Equal(3, outbox.Usage.Entries);
        var results = new ResultStore(database, TestOptions.Of(new StorageOptions()));
        Assert.Equal(("quota", Now.UtcDateTime), (results.Find(2)!.OutboxEvicted, results.Find(2)!.OutboxEvictedAt));
        Assert.Equal("quota", results.Find(5)!.OutboxEvicted);
        Assert.Null(results.Find(1)!.OutboxEvicted);
        Assert.Null(results.Find(4)!.OutboxEvicted);
    }

    [Fact]
    public void Escalate_EntryQuotaHitOldestFirst_EvictsTheOldest()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var outbox = Store(database, new OutboxOptions { MaxEntries = 4, EvictToShare = 0.75, Eviction = OutboxOptions.OldestFirst });
        var evictions = Record(outbox);
        double[] uncertainty = [0.9, 0.2, 0.5, 0.2, 0.1];
        for (var i = 0; i < uncertainty.Length; i++)
        {
            Escalate(outbox, i + 1, uncertainty[i]);
        }

        Assert.Equal([2L, 3L, 4L, 5L], Remaining(database));
        Assert.Equal((OutboxOptions.OldestFirst, 1L, 1L), (evictions[0].Policy, evictions[0].FirstSequence, evictions[0].LastSequence));
        outbox.EvictToShare();
        Assert.Equal([3L, 4L, 5L], Remaining(database));
        Assert.Equal((OutboxOptions.OldestFirst, 2L, 2L), (evictions[1].Policy, evictions[1].FirstSequence, evictions[1].LastSequence));
    }

    [Fact]
    public void Escalate_ByteQuotaHit_EvictsByPolicyUntilTheNewEntryFitsBelowTheQuota()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var options = new OutboxOptions { MaxBytes = 1_048_576, EvictToShare = 0.6 };
        var outbox = Store(database, options);
        var evictions = Record(outbox);
        // Five frames of 200 kB fit in 1 MiB; the sixth does not: it evicts one. The pass leaves 0.6 MiB at most.
        double[] uncertainty = [0.3, 0.9, 0.1, 0.8, 0.2];
        for (var i = 0; i < uncertainty.Length; i++)
        {
            Escalate(outbox, i + 1, uncertainty[i], jpegBytes: 200_000);
        }

        Assert.Empty(evictions);
        Escalate(outbox, 6, 0.5, jpegBytes: 200_000);

        Assert.Equal([1L, 2L, 4L, 5L, 6L], Remaining(database));
        var first = Assert.Single(evictions);
        Assert.Equal((1, 3L, 3L), (first.Count, first.FirstSequence, first.LastSequence));
        Assert.InRange(outbox.Usage.Bytes, 1_000_000, options.MaxBytes);

        var eviction = outbox.EvictToShare();

        Assert.NotNull(eviction);
        Assert.Equal([2L, 4L, 6L], Remaining(database));
        Assert.Equal((2, 1L, 5L), (eviction.Count, eviction.FirstSequence, eviction.LastSequence));
        Assert.True(eviction.Bytes >= 400_000, $"evicted {eviction.Bytes} bytes");
        var usage = outbox.Usage;
        Assert.Equal(SumOfSizes(database), usage.Bytes);
        Assert.InRange(usage.Bytes, 600_000, (long)(options.MaxBytes * options.EvictToShare));
        Assert.Equal(eviction.Usage, usage);
    }

    [Fact]
    public void Escalate_AtAFullQuota_EvictsOnlyTheOneEntryItNeedsAndRaisesQuotaReached()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        // A pass would leave 90 of 100: the frame's own insert must not do it.
        var outbox = Store(database, new OutboxOptions { MaxEntries = 100, EvictToShare = 0.9, Eviction = OutboxOptions.OldestFirst });
        var evictions = Record(outbox);
        var reached = new List<OutboxUsage>();
        outbox.QuotaReached += reached.Add;
        for (var i = 1; i <= 99; i++)
        {
            Escalate(outbox, i, 0.5);
        }

        Assert.Empty(reached);
        Escalate(outbox, 100, 0.5);
        Assert.Equal(100, Assert.Single(reached).Entries);
        Assert.Empty(evictions);

        Escalate(outbox, 101, 0.5);

        var eviction = Assert.Single(evictions);
        Assert.Equal((OutboxEvictionReason.Quota, 1, 1L, 1L), (eviction.Reason, eviction.Count, eviction.FirstSequence, eviction.LastSequence));
        Assert.Equal(100, outbox.Usage.Entries);
        Assert.Equal(2, reached.Count);
        Assert.NotNull(outbox.Find(101));

        var pass = outbox.EvictToShare();

        Assert.NotNull(pass);
        Assert.Equal((10, 2L, 11L), (pass.Count, pass.FirstSequence, pass.LastSequence));
        Assert.Equal(90, outbox.Usage.Entries);
        Assert.Equal(90, Remaining(database).Count);
        Assert.Null(outbox.EvictToShare());
    }

    [Fact]
    public void EvictToShare_MoreThanOneBatchAboveTheShare_EvictsDownToTheShareAsOnePass()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var count = OutboxStore.TrimBatch * 3;
        // Filled under a large quota, then opened with a small one: the pass spans several transactions.
        var large = Store(database, new OutboxOptions());
        for (var i = 1; i <= count; i++)
        {
            Escalate(large, i, i / (double)count);
        }

        var outbox = Store(database, new OutboxOptions { MaxEntries = count, EvictToShare = 0.5 });
        var evictions = Record(outbox);

        var pass = outbox.EvictToShare();

        Assert.NotNull(pass);
        Assert.Equal((count / 2, 1L, (long)(count / 2)), (pass.Count, pass.FirstSequence, pass.LastSequence));
        Assert.Single(evictions);
        Assert.Equal((long)(count / 2), outbox.Usage.Entries);
        Assert.Equal(SumOfSizes(database), outbox.Usage.Bytes);
        Assert.Equal(count / 2, database.ResultCollection.Count(r => r.OutboxEvicted == "quota"));
    }

    [Fact]
    public void Usage_AfterRestart_IsTheSameAndMatchesTheEntriesOnDisk()
    {
        var path = _temp.File("edge.db");
        OutboxUsage before;
        using (var database = new EdgeDatabase(path))
        {
            var outbox = Store(database, new OutboxOptions());
            for (var i = 1; i <= 6; i++)
            {
                Escalate(outbox, i, 0.5, jpegBytes: 10_000 * i);
            }

            outbox.Complete(2, "pass", [], "cloud", Now);
            outbox.Reject(outbox.Find(3)!, "unreadable", Now);
            before = outbox.Usage;
        }

        using var reopened = new EdgeDatabase(path);
        var after = Store(reopened, new OutboxOptions()).Usage;

        Assert.Equal(before, after);
        Assert.Equal(4, after.Entries);
        Assert.Equal(SumOfSizes(reopened), after.Bytes);
        Assert.True(after.Bytes > (10_000 + 40_000 + 50_000 + 60_000), $"usage {after.Bytes} bytes");
    }

    [Fact]
    public void Usage_FileFromBeforeTheQuota_IsRebuiltFromTheEntriesAndTheirQuotaHolds()
    {
        var path = _temp.File("old.db");
        using (var database = new EdgeDatabase(path))
        {
            // Entries as an agent without the quota wrote them: no size, no rank, no totals document.
            for (var i = 1; i <= 3; i++)
            {
                database.OutboxCollection.Insert(new OutboxEntry { Id = i, CapturedAt = Now.UtcDateTime, Jpeg = new byte[50_000] });
            }
        }

        using var reopened = new EdgeDatabase(path);
        var outbox = Store(reopened, new OutboxOptions { MaxEntries = 4, EvictToShare = 0.75 });

        Assert.Equal((3L, SumOfSizes(reopened)), (outbox.Usage.Entries, outbox.Usage.Bytes));
        Assert.True(outbox.Usage.Bytes > 150_000);
        Assert.All(reopened.OutboxCollection.FindAll(), e => Assert.True(e.SizeBytes > 50_000));

        // Old entries count as least uncertain: they go before any new entry, oldest first.
        Escalate(outbox, 4, 0.01);
        Escalate(outbox, 5, 0.01);
        Assert.Equal([2L, 3L, 4L, 5L], Remaining(reopened));
        outbox.EvictToShare();
        Assert.Equal([3L, 4L, 5L], Remaining(reopened));
    }

    [Fact]
    public void EvictExpired_EntriesOlderThanMaxAge_AreEvictedAsExpiredAndRecordedOnTheirResults()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var outbox = Store(database, new OutboxOptions { MaxAgeHours = 24 });
        var evictions = Record(outbox);
        Escalate(outbox, 1, 0.9, capturedAt: Now.AddHours(-30));
        Escalate(outbox, 2, 0.9, capturedAt: Now.AddHours(-25));
        Escalate(outbox, 3, 0.1, capturedAt: Now.AddHours(-1));

        _time.Advance(TimeSpan.FromMinutes(30));
        var eviction = outbox.EvictExpired(_time.GetUtcNow());

        Assert.NotNull(eviction);
        Assert.Equal((OutboxEvictionReason.Expired, 2, 1L, 2L), (eviction.Reason, eviction.Count, eviction.FirstSequence, eviction.LastSequence));
        Assert.Equal([3L], Remaining(database));
        Assert.Equal(1, outbox.Usage.Entries);
        Assert.Equal("expired", new ResultStore(database, TestOptions.Of(new StorageOptions())).Find(1)!.OutboxEvicted);
        Assert.Null(outbox.EvictExpired(_time.GetUtcNow()));
        Assert.Single(evictions);
    }

    [Fact]
    public void EvictExpired_NoMaxAge_KeepsEveryEntry()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var outbox = Store(database, new OutboxOptions { MaxAgeHours = 0 });
        Escalate(outbox, 1, 0.5, capturedAt: Now.AddDays(-400));

        Assert.Null(outbox.EvictExpired(Now));
        Assert.Equal([1L], Remaining(database));
    }

    [Fact]
    public void MakeRoom_FreesAtLeastTheBytesAskedForByPolicy()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var outbox = Store(database, new OutboxOptions());
        double[] uncertainty = [0.4, 0.1, 0.7, 0.3];
        for (var i = 0; i < uncertainty.Length; i++)
        {
            Escalate(outbox, i + 1, uncertainty[i], jpegBytes: 100_000);
        }

        var eviction = outbox.MakeRoom(150_000);

        Assert.NotNull(eviction);
        Assert.Equal((OutboxEvictionReason.DiskFull, 2), (eviction.Reason, eviction.Count));
        Assert.Equal([1L, 3L], Remaining(database));
        Assert.Equal("disk-full", new ResultStore(database, TestOptions.Of(new StorageOptions())).Find(2)!.OutboxEvicted);
    }

    [Fact]
    public void Validate_ExitShareNotBelowEnterShare_FailsWithBothKeys()
    {
        var options = new OutboxOptions { NearQuotaEnterShare = 0.8, NearQuotaExitShare = 0.8 };

        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var valid = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true);

        Assert.False(valid);
        Assert.Contains(errors, e => e.ErrorMessage!.Contains("Outbox:NearQuotaExitShare", StringComparison.Ordinal) && e.ErrorMessage.Contains("Outbox:NearQuotaEnterShare", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnknownEvictionPolicy_Fails()
    {
        var options = new OutboxOptions { Eviction = "random" };

        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var valid = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true);

        Assert.False(valid);
        Assert.Contains(errors, e => e.ErrorMessage!.Contains("Outbox:Eviction", StringComparison.Ordinal));
    }

    private OutboxStore Store(EdgeDatabase database, OutboxOptions options) => new(database, TestOptions.Of(options), _time);

    private static List<OutboxEviction> Record(OutboxStore outbox)
    {
        var evictions = new List<OutboxEviction>();
        outbox.Evicted += evictions.Add;
        return evictions;
    }

    private static void Escalate(OutboxStore outbox, long id, double uncertainty, int jpegBytes = 1000, DateTimeOffset? capturedAt = null)
    {
        var at = (capturedAt ?? Now).UtcDateTime;
        outbox.Escalate(
            new InspectionRecord { Id = id, Decision = Decision.Uncertain, CapturedAt = at },
            new OutboxEntry { Id = id, LineId = "line-1", CapturedAt = at, NextAttemptAt = at, Jpeg = new byte[jpegBytes], Uncertainty = uncertainty });
    }

    private static List<long> Remaining(EdgeDatabase database) =>
        [.. database.OutboxCollection.Query().OrderBy(e => e.Id).Select(e => e.Id).ToEnumerable()];

    private static long SumOfSizes(EdgeDatabase database) =>
        database.OutboxCollection.FindAll().Sum(e => e.SizeBytes);

    public void Dispose() => _temp.Dispose();
}
