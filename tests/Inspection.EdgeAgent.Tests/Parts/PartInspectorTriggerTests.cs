using Inspection.Detection;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.Tests.Shared;
using Inspection.Contracts.Mqtt;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>Trigger mode (each frame is a part) and none mode (frames as before), with the brightness model.</summary>
public sealed class PartInspectorTriggerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ActiveModel _model;

    public PartInspectorTriggerTests()
    {
        _model = TestModels.Active(TestModels.Brightness(_temp.File("brightness.onnx")), _temp.Folder("models"));
    }

    [Fact]
    public void Inspect_TriggerUncertainFrame_IsEscalatedAsAReadyPartOfOneFrameWithoutABox()
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger });
        using var frame = Frames.Grey(TestModels.UncertainGrey, 320, 240);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        var part = Assert.Single(outcome.ClosedParts!);
        Assert.Equal((outcome.Sequence, Decision.Uncertain, 1, true), (part.PartId, part.Decision, part.FramesSeen, part.Escalated));
        Assert.True(outcome.InOutbox);
        var entry = pipeline.Outbox.Find(outcome.Sequence)!;
        Assert.Equal((PartsOptions.Trigger, false, outcome.Sequence), (entry.PartSource, entry.Open, entry.FrameSequence));
        Assert.Null(entry.PartBox);
        Assert.Empty(entry.PartFrames);
        Assert.Equal((320, 240), (entry.Width, entry.Height));
        Assert.Single(pipeline.Outbox.TakeDue(pipeline.Time.GetUtcNow(), 10));
        Assert.Equal([outcome.Sequence], pipeline.Results.Find(outcome.Sequence)!.PartIds);
    }

    [Fact]
    public void Inspect_TriggerUncertainFrame_PartEntryCarriesTheTraceContextOfThePartSpan()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = static source => source.Name == EdgeAgent.Diagnostics.EdgeTelemetry.ActivitySourceName,
            Sample = static (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger });
        using var frame = Frames.Grey(TestModels.UncertainGrey, 320, 240);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        var entry = pipeline.Outbox.Find(outcome.Sequence)!;
        var span = Assert.Single(spans, s => s.Id == entry.TraceParent);
        Assert.Equal((EdgeAgent.Diagnostics.EdgeTelemetry.PartSpan, (object)outcome.Sequence), (span.OperationName, span.GetTagItem("inspection.sequence")));
    }

    [Theory]
    [InlineData(TestModels.PassGrey, Decision.Pass)]
    [InlineData(TestModels.DefectGrey, Decision.Defect)]
    public void Inspect_TriggerDecidedFrame_IsAPartWithARecordAndNoEntry(byte grey, Decision expected)
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger });
        using var frame = Frames.Grey(grey);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        Assert.Equal(expected, Assert.Single(outcome.ClosedParts!).Decision);
        Assert.Equal(0, pipeline.Outbox.Count());
        Assert.Equal(expected, pipeline.Outbox.FindPart(outcome.Sequence)!.EdgeDecision);
        Assert.Equal(
            expected == Decision.Pass ? (1L, 0L) : (0L, 1L),
            (pipeline.Stats.PartsPassed, pipeline.Stats.PartsRejected));
    }

    [Fact]
    public void Inspect_TriggerUncertainUnderSafePolicy_IsRejectedAndStillEscalated()
    {
        using var database = new EdgeDatabase(_temp.File("state.db"));
        var state = new DeviceState(new ControlStateStore(database));
        state.Apply(new DesiredState(1, 1, DegradationModes.Safe));
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger }, state: state);
        using var frame = Frames.Grey(TestModels.UncertainGrey);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        var part = Assert.Single(outcome.ClosedParts!);
        Assert.Equal((Decision.Uncertain, true, Decision.Defect), (part.Decision, part.RejectedBySafePolicy, part.LineDecision));
        Assert.NotNull(pipeline.Outbox.Find(part.PartId));
        Assert.True(pipeline.Outbox.FindPart(part.PartId)!.RejectedBySafePolicy);
        Assert.Equal((1L, 1L, 1L), (pipeline.Stats.PartsUncertain, pipeline.Stats.PartsRejected, pipeline.Stats.PartsSafeRejected));
    }

    [Fact]
    public void Inspect_TriggerUncertainWhenTheDiskRefuses_IsWrittenWithTheNextFrame()
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger });
        using (var warm = Frames.Grey(TestModels.PassGrey))
        {
            pipeline.Inspector.Inspect(warm, pipeline.Time.GetUtcNow());
        }

        // LiteDB's size limit stands in for a full disk: writes fail with a LiteException.
        pipeline.Database.Database.Checkpoint();
        pipeline.Database.Database.LimitSize = new FileInfo(pipeline.Database.Path).Length;
        using var uncertain = Frames.Noisy(TestModels.UncertainGrey, 640, 640);
        var refused = pipeline.Inspector.Inspect(uncertain, pipeline.Time.GetUtcNow())!;

        Assert.False(refused.InOutbox);
        Assert.True(pipeline.Stats.OutboxWriteFailures >= 1);
        Assert.Null(pipeline.Outbox.Find(refused.Sequence));

        pipeline.Database.Database.LimitSize = long.MaxValue;
        using var next = Frames.Grey(TestModels.PassGrey);
        var written = pipeline.Inspector.Inspect(next, pipeline.Time.GetUtcNow())!;

        Assert.True(written.InOutbox);
        var entry = pipeline.Outbox.Find(refused.Sequence)!;
        Assert.Equal((PartsOptions.Trigger, false), (entry.PartSource, entry.Open));
        Assert.Equal(Decision.Uncertain, pipeline.Outbox.FindPart(refused.Sequence)!.EdgeDecision);
    }

    [Fact]
    public void Inspect_NoneSource_UncertainFrameGoesToTheOutboxAsAFrameAndNoPartIsCounted()
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions());
        using var frame = Frames.Grey(TestModels.UncertainGrey);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        Assert.Null(outcome.ClosedParts);
        var entry = pipeline.Outbox.Find(outcome.Sequence)!;
        Assert.Null(entry.PartSource);
        Assert.False(entry.Open);
        Assert.Null(pipeline.Results.Find(outcome.Sequence)!.PartIds);
        Assert.Null(pipeline.Stats.PartSource);
        Assert.Equal(0, pipeline.Outbox.CountParts());
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }
}
