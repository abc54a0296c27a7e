using Inspection.Detection;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Control;

public sealed class OutboxQuotaWorkerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public async Task ExecuteAsync_EntryOutlivesMaxAge_IsEvictedAtTheNextCheckCountedAndRaised()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var options = TestOptions.Of(new OutboxOptions { MaxAgeHours = 1, ExpiryCheckSeconds = 60 });
        var outbox = new OutboxStore(database, options, _time);
        var stats = new EdgeStats();
        var events = new DeviceEvents(TestOptions.Edge(), _time);
        var state = new DeviceState(new ControlStateStore(database));
        using var reporter = new OutboxEvictionReporter(outbox, stats, events, NullLogger<OutboxEvictionReporter>.Instance);
        using var monitor = new OutboxPressureMonitor(outbox, state, events, options, _time, NullLogger<OutboxPressureMonitor>.Instance);
        outbox.Escalate(
            new InspectionRecord { Id = 1, Decision = Decision.Uncertain },
            new OutboxEntry { Id = 1, CapturedAt = Now.AddMinutes(-50).UtcDateTime, Jpeg = [1, 2, 3] });
        using var worker = new OutboxQuotaWorker(outbox, reporter, monitor, options, _time, NullLogger<OutboxQuotaWorker>.Instance);
        await worker.StartAsync(TestContext.Current.CancellationToken);

        // Ten minutes later the entry is an hour old: the check after that evicts it, with no frame arriving.
        for (var minute = 0; minute < 11; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        await Eventually.UntilAsync(() => stats.OutboxExpired == 1, "the expired entry evicted by the periodic check");
        Assert.Null(outbox.Find(1));
        Assert.Equal((0L, 0L), (outbox.Usage.Entries, outbox.Usage.Bytes));
        Assert.Equal(1, stats.OutboxEvicted);
        Assert.Equal("expired", new ResultStore(database, TestOptions.Of(new StorageOptions())).Find(1)!.OutboxEvicted);
        Assert.True(events.TryPeek(out var evicted));
        Assert.Equal("outbox-evicted", evicted.Type);
        Assert.Contains("(expired, oldest-first): sequences 1-1", evicted.Message, StringComparison.Ordinal);
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ExecuteAsync_InsertsPushTheOutboxToItsQuota_EvictsDownToTheShareOffTheFramePath()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var options = TestOptions.Of(new OutboxOptions { MaxEntries = 100, EvictToShare = 0.9 });
        var outbox = new OutboxStore(database, options, _time);
        var stats = new EdgeStats();
        var events = new DeviceEvents(TestOptions.Edge(), _time);
        var state = new DeviceState(new ControlStateStore(database));
        using var reporter = new OutboxEvictionReporter(outbox, stats, events, NullLogger<OutboxEvictionReporter>.Instance);
        using var monitor = new OutboxPressureMonitor(outbox, state, events, options, _time, NullLogger<OutboxPressureMonitor>.Instance);
        var evictions = new System.Collections.Concurrent.ConcurrentQueue<OutboxEviction>();
        outbox.Evicted += evictions.Enqueue;
        using var worker = new OutboxQuotaWorker(outbox, reporter, monitor, options, _time, NullLogger<OutboxQuotaWorker>.Instance);
        await worker.StartAsync(TestContext.Current.CancellationToken);

        // Twice over the quota: each time the insert that fills the outbox wakes the worker, whatever ran before.
        long sequence = 0;
        for (var round = 0; round < 2; round++)
        {
            while (outbox.Usage.Entries < 100)
            {
                Escalate(outbox, ++sequence);
            }

            await Eventually.UntilAsync(() => outbox.Usage.Entries == 90, "the outbox brought down to 0.9 of its quota");
        }

        // No frame was the victim of its own insert, every evicted frame is counted, reported and marked on its result.
        Assert.Equal(sequence - 90, stats.OutboxEvicted);
        Assert.Equal(sequence - 90, evictions.Sum(e => e.Count));
        Assert.All(evictions, e => Assert.Equal(OutboxEvictionReason.Quota, e.Reason));
        Assert.Equal(sequence - 90, database.ResultCollection.Count(r => r.OutboxEvicted == "quota"));
        Assert.NotNull(outbox.Find(sequence));
        Assert.Equal(90, database.OutboxCollection.Count());
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StartAsync_OutboxLeftAboveTheShare_EvictsDownToTheShare()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var full = new OutboxStore(database, TestOptions.Of(new OutboxOptions()), _time);
        for (var i = 1; i <= 50; i++)
        {
            Escalate(full, i);
        }

        // The last run left 50 entries; this one allows 40 and keeps 0.75 of that after a pass.
        var options = TestOptions.Of(new OutboxOptions { MaxEntries = 40, EvictToShare = 0.75, Eviction = OutboxOptions.OldestFirst });
        var outbox = new OutboxStore(database, options, _time);
        var stats = new EdgeStats();
        var events = new DeviceEvents(TestOptions.Edge(), _time);
        using var reporter = new OutboxEvictionReporter(outbox, stats, events, NullLogger<OutboxEvictionReporter>.Instance);
        using var monitor = new OutboxPressureMonitor(outbox, new DeviceState(new ControlStateStore(database)), events, options, _time, NullLogger<OutboxPressureMonitor>.Instance);
        using var worker = new OutboxQuotaWorker(outbox, reporter, monitor, options, _time, NullLogger<OutboxQuotaWorker>.Instance);

        await worker.StartAsync(TestContext.Current.CancellationToken);

        await Eventually.UntilAsync(() => outbox.Usage.Entries == 30, "the outbox brought down to 0.75 of its quota");
        Assert.Equal(20, stats.OutboxEvicted);
        Assert.Null(outbox.Find(20));
        Assert.NotNull(outbox.Find(21));
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }

    private static void Escalate(OutboxStore outbox, long id)
    {
        outbox.Escalate(
            new InspectionRecord { Id = id, Decision = Decision.Uncertain },
            new OutboxEntry { Id = id, CapturedAt = Now.UtcDateTime, Jpeg = new byte[1000], Uncertainty = 0.5 });
    }

    public void Dispose() => _temp.Dispose();
}
