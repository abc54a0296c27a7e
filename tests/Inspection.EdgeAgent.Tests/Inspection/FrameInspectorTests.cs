using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;

namespace Inspection.EdgeAgent.Tests.Inspection;

public sealed class FrameInspectorTests : IDisposable
{
    private static readonly DateTimeOffset CapturedAt = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly ActiveModel _model;
    private readonly EdgeStats _stats = new();

    public FrameInspectorTests()
    {
        var modelPath = TestModels.Brightness(_temp.File("brightness.onnx"));
        _model = TestModels.Active(modelPath, _temp.Folder("models"));
    }

    [Fact]
    public void Inspect_UncertainFrame_IsDurablyInTheOutboxWhenInspectReturns()
    {
        var path = _temp.File("edge.db");
        InspectionOutcome? outcome;
        using (var database = new EdgeDatabase(path))
        {
            var inspector = CreateInspector(database);
            using var frame = Frames.Grey(TestModels.UncertainGrey, 320, 320);
            outcome = inspector.Inspect(frame, CapturedAt);
        }

        Assert.NotNull(outcome);
        Assert.Equal(Decision.Uncertain, outcome.Decision);
        Assert.True(outcome.InOutbox);

        // Reopened from disk: what Inspect left behind is what a restart after kill -9 finds.
        using var reopened = new EdgeDatabase(path);
        var entry = new OutboxStore(reopened).Find(outcome.Sequence);
        Assert.NotNull(entry);
        Assert.Equal("line-7", entry.LineId);
        Assert.Equal(CapturedAt.UtcDateTime, entry.CapturedAt);
        Assert.StartsWith("uncertain: scratch 0.72", entry.Reason, StringComparison.Ordinal);
        Assert.Equal("brightness test model", entry.ModelName);
        Assert.Single(entry.Detections);
        using var decoded = Cv2.ImDecode(entry.Jpeg, ImreadModes.Color);
        Assert.Equal(320, decoded.Width);
        Assert.Equal(320, decoded.Height);
        Assert.Equal(TestModels.UncertainGrey, Cv2.Mean(decoded).Val0, 0);
    }

    [Fact]
    public void Inspect_UncertainFrame_OutboxEntryCarriesTheTraceContextOfItsInferenceSpan()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = static source => source.Name == EdgeTelemetry.ActivitySourceName,
            Sample = static (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var inspector = CreateInspector(database);
        using var uncertain = Frames.Grey(TestModels.UncertainGrey, 320, 320);
        using var pass = Frames.Grey(TestModels.PassGrey, 320, 320);

        var escalated = inspector.Inspect(uncertain, CapturedAt)!;
        var passed = inspector.Inspect(pass, CapturedAt)!;

        var entry = new OutboxStore(database).Find(escalated.Sequence)!;
        var span = Assert.Single(spans, s => s.Id == entry.TraceParent);
        Assert.Equal(EdgeTelemetry.InferenceSpan, span.OperationName);
        Assert.Equal(escalated.Sequence, span.GetTagItem("inspection.sequence"));
        Assert.Equal(default, span.ParentSpanId);
        Assert.Null(new OutboxStore(database).Find(passed.Sequence));
    }

    [Fact]
    public void Inspect_UncertainFrameWithNobodyListening_OutboxEntryStillCarriesATraceContext()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var inspector = CreateInspector(database);
        using var uncertain = Frames.Grey(TestModels.UncertainGrey, 320, 320);

        var escalated = inspector.Inspect(uncertain, CapturedAt)!;

        var traceParent = new OutboxStore(database).Find(escalated.Sequence)!.TraceParent;
        Assert.True(System.Diagnostics.ActivityContext.TryParse(traceParent, null, out var context), traceParent);
        Assert.Equal(System.Diagnostics.ActivityTraceFlags.Recorded, context.TraceFlags);
    }

    [Theory]
    [InlineData(TestModels.PassGrey, Decision.Pass)]
    [InlineData(TestModels.DefectGrey, Decision.Defect)]
    public void Inspect_PassOrDefectFrame_IsRecordedButNotEscalated(byte grey, Decision expected)
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var inspector = CreateInspector(database);
        using var frame = Frames.Grey(grey);

        var outcome = inspector.Inspect(frame, CapturedAt);

        Assert.NotNull(outcome);
        Assert.Equal(expected, outcome.Decision);
        var record = new ResultStore(database, TestOptions.Of(new StorageOptions())).Find(outcome.Sequence);
        Assert.NotNull(record);
        Assert.Equal(expected, record.Decision);
        Assert.Equal("0.0.1", record.ModelVersion);
        Assert.Equal(CapturedAt.UtcDateTime, record.CapturedAt);
        var detection = Assert.Single(record.Detections);
        Assert.Equal("scratch", detection.ClassName);
        Assert.Equal(grey / 255f, detection.Confidence, 0.01f);
        Assert.Equal(0, new OutboxStore(database).Count());
    }

    [Fact]
    public void Inspect_SuccessiveFrames_GetIncreasingSequencesAndCounters()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var inspector = CreateInspector(database);
        var sequences = new List<long>();
        foreach (var grey in new[] { TestModels.PassGrey, TestModels.UncertainGrey, TestModels.DefectGrey, TestModels.PassGrey })
        {
            using var frame = Frames.Grey(grey);
            sequences.Add(inspector.Inspect(frame, CapturedAt)!.Sequence);
        }

        Assert.Equal([1L, 2L, 3L, 4L], sequences);
        Assert.Equal((4L, 2L, 1L, 1L, 4L), (_stats.Frames, _stats.Pass, _stats.Defect, _stats.Uncertain, _stats.LastSequence));
    }

    [Fact]
    public void Inspect_EmptyFrame_IsCountedAndSkippedWithoutASequence()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var inspector = CreateInspector(database);
        using var empty = new Mat();
        using var good = Frames.Grey(TestModels.PassGrey);

        var skipped = inspector.Inspect(empty, CapturedAt);
        var next = inspector.Inspect(good, CapturedAt);

        Assert.Null(skipped);
        Assert.Equal(1, _stats.BadFrames);
        Assert.Equal(1, next!.Sequence);
        Assert.Equal(1, _stats.Frames);
    }

    [Fact]
    public void Inspect_OutboxCannotBeWritten_FrameIsKeptInMemoryCountedAndWrittenOnceTheDiskHasRoom()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var inspector = CreateInspector(database);
        using (var warm = Frames.Grey(TestModels.PassGrey))
        {
            inspector.Inspect(warm, CapturedAt);
        }

        // LiteDB's size limit stands in for a full disk: writes fail with a LiteException.
        database.Database.Checkpoint();
        database.Database.LimitSize = new FileInfo(database.Path).Length;
        using var uncertain = Frames.Noisy(TestModels.UncertainGrey, 640, 640);
        var outcome = inspector.Inspect(uncertain, CapturedAt);

        Assert.NotNull(outcome);
        Assert.Equal(Decision.Uncertain, outcome.Decision);
        Assert.False(outcome.InOutbox);
        Assert.Equal(1, inspector.PendingOutboxEntries);
        Assert.True(_stats.OutboxWriteFailures >= 1);
        Assert.Equal(1, _stats.OutboxPendingRetry);

        database.Database.LimitSize = long.MaxValue;
        using var next = Frames.Grey(TestModels.PassGrey);
        inspector.Inspect(next, CapturedAt);

        Assert.Equal(0, inspector.PendingOutboxEntries);
        Assert.Equal(0, _stats.OutboxPendingRetry);
        Assert.NotNull(new OutboxStore(database).Find(outcome.Sequence));
    }

    [Fact]
    public void Inspect_RetryQueueOverflows_OldestFrameIsGivenUpAndCounted()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var inspector = CreateInspector(database, new OutboxOptions { RetryQueueCapacity = 2 });
        using (var warm = Frames.Grey(TestModels.PassGrey))
        {
            inspector.Inspect(warm, CapturedAt);
        }

        database.Database.Checkpoint();
        database.Database.LimitSize = new FileInfo(database.Path).Length;
        for (var i = 0; i < 3; i++)
        {
            using var frame = Frames.Noisy(TestModels.UncertainGrey, 640, 640, seed: i);
            inspector.Inspect(frame, CapturedAt);
        }

        Assert.Equal(2, inspector.PendingOutboxEntries);
        Assert.Equal(1, _stats.OutboxDropped);
    }

    [Fact]
    public void Inspect_UncertainFrameUnderSafe_LineGetsDefectRecordKeepsTheEdgeVerdictAndTheFrameIsEscalated()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var state = new DeviceState(new ControlStateStore(database));
        state.Apply(new DesiredState(1, 1, DegradationModes.Safe));
        var inspector = CreateInspector(database, state: state);

        using var uncertain = Frames.Grey(TestModels.UncertainGrey, 320, 320);
        using var passing = Frames.Grey(TestModels.PassGrey, 320, 320);
        var rejected = inspector.Inspect(uncertain, CapturedAt)!;
        var passed = inspector.Inspect(passing, CapturedAt)!;

        Assert.Equal((Decision.Uncertain, Decision.Defect, true, true), (rejected.Decision, rejected.LineDecision, rejected.RejectedBySafePolicy, rejected.InOutbox));
        Assert.Equal((Decision.Pass, false), (passed.LineDecision, passed.RejectedBySafePolicy));
        var record = new ResultStore(database, TestOptions.Of(new StorageOptions())).Find(rejected.Sequence)!;
        Assert.Equal(Decision.Uncertain, record.Decision);
        Assert.True(record.RejectedBySafePolicy);
        Assert.NotNull(new OutboxStore(database).Find(rejected.Sequence));
        Assert.Equal(1, _stats.SafeRejected);
    }

    private FrameInspector CreateInspector(EdgeDatabase database, OutboxOptions? outbox = null, DeviceState? state = null)
    {
        var storage = TestOptions.Of(new StorageOptions { SequenceBlockSize = 1000 });
        return new FrameInspector(
            _model,
            new SequenceCounter(database, storage),
            new ResultStore(database, storage),
            new OutboxStore(database),
            _stats,
            TestDegradation.For(database, TimeProvider.System, state: state),
            TestOptions.Of(outbox ?? new OutboxOptions()),
            TestOptions.Edge(),
            new FakeTimeProvider(),
            NullLogger<FrameInspector>.Instance);
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }
}
