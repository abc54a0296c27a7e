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

    public void Dispose() => _temp.Dispose();
}
