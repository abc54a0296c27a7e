using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.ModelTools.Line;
using Inspection.Tests.Shared;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>A gap in the frames (camera reconnect, pause) closes the parts in view.</summary>
public sealed class PartInspectorGapTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ActiveModel _model;

    public PartInspectorGapTests()
    {
        // The brightness model decides on the whole frame; what matters here is which parts close, not their verdicts.
        _model = TestModels.Active(TestModels.Brightness(_temp.File("brightness.onnx")), _temp.Folder("models"));
    }

    [Fact]
    public void FrameGap_PartsInView_AreClosedDecidedAndRecorded()
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Tracker });
        using var line = new SyntheticLine(TrackerClip.Seed);
        var closedBefore = 0;
        for (var index = 0; index < 60; index++)
        {
            using var rendered = line.Render(index);
            closedBefore += pipeline.Inspector.Inspect(rendered.Frame, pipeline.Time.GetUtcNow())!.ClosedParts!.Count;
        }

        var inView = pipeline.Parts.InView;
        Assert.True(inView > 0, "no part in view after 60 frames of the line");

        var closed = pipeline.Inspector.FrameGap();

        Assert.Equal(inView, closed.Count);
        Assert.Equal(0, pipeline.Parts.InView);
        Assert.Equal(0, pipeline.Stats.PartsInView);
        Assert.All(closed, p => Assert.Equal(p.Decision, pipeline.Outbox.FindPart(p.PartId)!.EdgeDecision));
        Assert.Equal(closedBefore + closed.Count, pipeline.Outbox.CountParts());
        Assert.DoesNotContain(pipeline.Database.OutboxCollection.FindAll(), e => e.Open);
    }

    [Fact]
    public void FrameGap_NoneSource_ClosesNothing()
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions());
        using var line = new SyntheticLine(TrackerClip.Seed);
        using var rendered = line.Render(40);
        pipeline.Inspector.Inspect(rendered.Frame, pipeline.Time.GetUtcNow());

        Assert.Empty(pipeline.Inspector.FrameGap());
        Assert.Equal(0, pipeline.Outbox.CountParts());
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }
}
