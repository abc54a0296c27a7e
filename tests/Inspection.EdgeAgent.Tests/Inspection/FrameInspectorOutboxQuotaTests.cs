using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Inspection;

/// <summary>The outbox's quota as the inspection loop meets it: real model, real LiteDB file, real JPEGs.</summary>
public sealed class FrameInspectorOutboxQuotaTests : IDisposable
{
    private static readonly DateTimeOffset CapturedAt = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(CapturedAt);
    private readonly ActiveModel _model;
    private readonly EdgeStats _stats = new();
    private readonly ListLoggerProvider _logs = new();
    private readonly EdgeDatabase _database;
    private readonly DeviceEvents _events;

    public FrameInspectorOutboxQuotaTests()
    {
        _model = TestModels.Active(TestModels.Brightness(_temp.File("brightness.onnx")), _temp.Folder("models"));
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _events = new DeviceEvents(TestOptions.Edge(), _time);
    }

    [Fact]
    public void Inspect_UncertainFrame_StoresHowUncertainTheEdgeWasOnTheEntry()
    {
        var (inspector, outbox) = Create(new OutboxOptions());
        using var frame = Frames.Grey(TestModels.UncertainGrey);

        var outcome = inspector.Inspect(frame, CapturedAt)!;

        var entry = outbox.Find(outcome.Sequence)!;
        var score = Assert.Single(entry.Detections).Confidence;
        // Default band 0.25-0.85: middle 0.55, half-width 0.3.
        Assert.Equal(1 - (Math.Abs(score - 0.55) / 0.3), entry.Uncertainty, 3);
        Assert.InRange(entry.Uncertainty, 0.3, 0.6);
        Assert.True(entry.SizeBytes > entry.Jpeg.Length);
    }

    [Fact]
    public void Inspect_EntryQuotaHit_EvictsTheLeastUncertainFramesCountsReportsAndRecordsThem()
    {
        // Room for 3: the fourth frame evicts the one entry it needs; the pass then leaves 2 (0.67 of 3).
        var (inspector, outbox) = Create(new OutboxOptions { MaxEntries = 3, EvictToShare = 0.67 });
        var reports = Reports(outbox);
        // Scores ≈ 0.63, 0.78, 0.72, 0.67 in the band 0.25-0.85: the second and third are nearest its edge.
        var sequences = new List<long>();
        foreach (var grey in new byte[] { 160, 200, TestModels.UncertainGrey, 170 })
        {
            using var frame = Frames.Grey(grey);
            sequences.Add(inspector.Inspect(frame, CapturedAt)!.Sequence);
        }

        Assert.Equal([sequences[0], sequences[2], sequences[3]], _database.OutboxCollection.FindAll().Select(e => e.Id).Order());
        Assert.Equal(1, _stats.OutboxEvicted);
        Assert.True(_events.TryPeek(out var byTheFrame));
        Assert.Equal("outbox-evicted", byTheFrame.Type);
        Assert.Contains($"1 uncertain frames", byTheFrame.Message, StringComparison.Ordinal);
        Assert.Contains($"sequences {sequences[1]}-{sequences[1]}", byTheFrame.Message, StringComparison.Ordinal);
        _events.Dequeue();

        // What the quota worker runs when the insert tells it the outbox is full.
        outbox.EvictToShare();

        Assert.Equal([sequences[0], sequences[3]], _database.OutboxCollection.FindAll().Select(e => e.Id).Order());
        var results = new ResultStore(_database, TestOptions.Of(new StorageOptions()));
        Assert.Equal(("quota", "quota"), (results.Find(sequences[1])!.OutboxEvicted, results.Find(sequences[2])!.OutboxEvicted));
        Assert.Null(results.Find(sequences[0])!.OutboxEvicted);
        Assert.Equal(2, _stats.OutboxEvicted);
        var report = reports.Build();
        Assert.Equal(2, report.Errors!.OutboxEvicted);
        Assert.Equal((2L, outbox.Usage.Bytes, 0.6667), (report.Stats.OutboxDepth, report.Stats.OutboxBytes, report.Stats.OutboxQuotaShare));
        Assert.True(report.Stats.OutboxBytes > 0);
        Assert.True(_events.TryPeek(out var evicted));
        Assert.Equal("outbox-evicted", evicted.Type);
        Assert.Contains($"1 uncertain frames", evicted.Message, StringComparison.Ordinal);
        Assert.Contains($"sequences {sequences[2]}-{sequences[2]}", evicted.Message, StringComparison.Ordinal);
        Assert.Contains("(quota, least-uncertain-first)", evicted.Message, StringComparison.Ordinal);
        var lines = _logs.Entries.Where(e => e.EventId == 2100).ToList();
        Assert.Equal([(1, "quota"), (1, "quota")], lines.Select(l => ((int)l.Values["Count"]!, (string)l.Values["Reason"]!)));
    }

    [Fact]
    public void Inspect_DiskFullAfterTheRetry_EvictsByPolicyToMakeRoomAndWritesTheWaitingFrame()
    {
        var (inspector, outbox) = Create(new OutboxOptions());
        var sequences = new List<long>();
        foreach (var grey in new byte[] { 160, 200, 170 })
        {
            using var frame = Frames.Noisy(grey, 640, 640, seed: grey);
            sequences.Add(inspector.Inspect(frame, CapturedAt)!.Sequence);
        }

        // LiteDB's size limit stands in for a full disk: writes that need a new page fail with a LiteException.
        _database.Database.Checkpoint();
        _database.Database.LimitSize = new FileInfo(_database.Path).Length;
        using (var refused = Frames.Noisy(TestModels.UncertainGrey, 640, 640, seed: 9))
        {
            var outcome = inspector.Inspect(refused, CapturedAt)!;
            Assert.False(outcome.InOutbox);
            sequences.Add(outcome.Sequence);
        }

        Assert.Equal(1, inspector.PendingOutboxEntries);
        Assert.Equal(0, _stats.OutboxEvicted);

        // Before the next frame the waiting one is retried, fails again, and only then the policy makes room.
        using (var next = Frames.Grey(TestModels.PassGrey))
        {
            inspector.Inspect(next, CapturedAt);
        }

        Assert.Equal(0, inspector.PendingOutboxEntries);
        Assert.NotNull(outbox.Find(sequences[3]));
        Assert.Null(outbox.Find(sequences[1]));
        Assert.Equal("disk-full", new ResultStore(_database, TestOptions.Of(new StorageOptions())).Find(sequences[1])!.OutboxEvicted);
        Assert.True(_stats.OutboxEvicted >= 1);
        Assert.Equal(0, _stats.OutboxDropped);
        Assert.True(_events.TryPeek(out var evicted));
        Assert.Contains("disk-full", evicted.Message, StringComparison.Ordinal);
        Assert.Equal(outbox.Count(), outbox.Usage.Entries);
    }

    private (FrameInspector Inspector, OutboxStore Outbox) Create(OutboxOptions options)
    {
        var storage = TestOptions.Of(new StorageOptions());
        var outbox = new OutboxStore(_database, TestOptions.Of(options), _time);
        _ = new OutboxEvictionReporter(outbox, _stats, _events, _logs.CreateLogger<OutboxEvictionReporter>());
        var inspector = new FrameInspector(
            _model,
            new SequenceCounter(_database, storage),
            new ResultStore(_database, storage),
            outbox,
            _stats,
            TestDegradation.For(_database, _time),
            TestOptions.Of(options),
            TestOptions.Edge(),
            _time,
            NullLogger<FrameInspector>.Instance);
        return (inspector, outbox);
    }

    private ReportedStateBuilder Reports(OutboxStore outbox) =>
        new(
            new DeviceState(new ControlStateStore(_database)),
            _model,
            _stats,
            outbox,
            new ReviewVerdictStore(_database),
            new ForwardingState(),
            new OtaProgressFeed(),
            _events,
            new AgentUpdateStore(_temp.Folder("agent-update")),
            TestOptions.Edge(),
            TestOptions.Of(new ReportingOptions()),
            _time);

    public void Dispose()
    {
        _database.Dispose();
        _model.Dispose();
        _temp.Dispose();
        _logs.Dispose();
    }
}
