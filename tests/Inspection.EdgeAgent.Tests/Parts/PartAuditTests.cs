using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.Tests.Shared;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>
/// Parts:AuditShare with the brightness model (a grey level picks each frame's decision): confidently decided parts
/// (trigger) and frames (none) are also sent as audits, hash-chosen, without changing the line's decision.
/// </summary>
public sealed class PartAuditTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ActiveModel _model;

    public PartAuditTests()
    {
        _model = TestModels.Active(TestModels.Brightness(_temp.File("brightness.onnx")), _temp.Folder("models"));
    }

    [Theory]
    [InlineData(TestModels.PassGrey, Decision.Pass, "pass")]
    [InlineData(TestModels.DefectGrey, Decision.Defect, "defect")]
    public void Inspect_TriggerShareOne_ConfidentPartSentAsAnAuditAndItsDecisionUnchanged(byte grey, Decision expected, string audit)
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger, AuditShare = 1 });
        using var frame = Frames.Grey(grey);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        var part = Assert.Single(outcome.ClosedParts!);
        Assert.Equal((expected, expected, false), (part.Decision, part.LineDecision, part.Escalated));
        var entry = pipeline.Outbox.Find(outcome.Sequence)!;
        Assert.Equal((audit, false, 0.0), (entry.EdgeAudit, entry.Open, entry.Uncertainty));
        Assert.StartsWith($"audit: the edge decided {audit}", entry.Reason, StringComparison.Ordinal);
        Assert.Single(pipeline.Outbox.TakeDue(pipeline.Time.GetUtcNow(), 10));
        var record = pipeline.Outbox.FindPart(outcome.Sequence)!;
        Assert.Equal((expected, true), (record.EdgeDecision, record.Audit));
        Assert.Equal([outcome.Sequence], record.EscalatedFrames);
        Assert.Equal(expected == Decision.Pass ? (1L, 0L, 0L) : (0L, 1L, 0L), (pipeline.Stats.PartsPassed, pipeline.Stats.PartsRejected, pipeline.Stats.PartsUncertain));
    }

    [Fact]
    public void Inspect_TriggerUncertainPartWithShareOne_EscalatedAsUncertainNotAsAnAudit()
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger, AuditShare = 1 });
        using var frame = Frames.Grey(TestModels.UncertainGrey);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        Assert.True(Assert.Single(outcome.ClosedParts!).Escalated);
        Assert.Null(pipeline.Outbox.Find(outcome.Sequence)!.EdgeAudit);
        Assert.False(pipeline.Outbox.FindPart(outcome.Sequence)!.Audit);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Inspect_TriggerShare_AuditsTheHashChosenPartsAndTheSameOnesAgain(double share)
    {
        var first = AuditedParts(share, "first.db");
        var second = AuditedParts(share, "second.db");

        var expected = first.All.Where(id => AuditSample.Picks($"cam-1/{id}", share)).ToArray();
        Assert.Equal(expected, first.Audited);
        Assert.Equal(first.Audited, second.Audited);
        if (share == 0)
        {
            Assert.Empty(first.Audited);
        }
        else if (share == 1)
        {
            Assert.Equal(first.All, first.Audited);
        }
        else
        {
            // 40 parts at 0.5: all or none would be a broken hash (a chance of 2 in 2^40 otherwise).
            Assert.InRange(first.Audited.Length, 1, first.All.Length - 1);
        }
    }

    [Theory]
    [InlineData(TestModels.PassGrey, "pass")]
    [InlineData(TestModels.DefectGrey, "defect")]
    public void Inspect_FramesShareOne_ConfidentFrameSentAsAnAuditAndItsDecisionUnchanged(byte grey, string audit)
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.None, AuditShare = 1 });
        using var frame = Frames.Grey(grey);

        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;

        Assert.Equal(outcome.Decision, outcome.LineDecision);
        Assert.NotEqual(Decision.Uncertain, outcome.Decision);
        var entry = pipeline.Outbox.Find(outcome.Sequence)!;
        Assert.Equal((audit, null), (entry.EdgeAudit, entry.PartSource));
        Assert.Equal(outcome.Decision, pipeline.Results.Find(outcome.Sequence)!.Decision);
    }

    [Fact]
    public async Task ForwardDue_AuditedDefectPart_ReachesTheCloudMarkedAndItsVerdictOnlyRecorded()
    {
        using var pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Trigger, AuditShare = 1 });
        using var frame = Frames.Grey(TestModels.DefectGrey);
        var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r, Verdict.Pass));
        using var channel = GrpcChannel.ForAddress(cloud.Address, OutboxForwarder.ChannelOptions(new DegradationOptions()));

        var result = await pipeline.Forwarder(channel, cloud.Address).ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Stored);
        var request = Assert.Single(cloud.Behaviour.Received);
        Assert.Equal((Verdict.Defect, (ulong)outcome.Sequence), (request.EdgeAudit, request.Part.PartId));
        var part = pipeline.Outbox.FindPart(outcome.Sequence)!;
        Assert.Equal((Decision.Defect, "pass", true), (part.EdgeDecision, part.CloudVerdict, part.Audit));
        Assert.Equal((1L, 0L, 0L), (pipeline.Stats.Audits, pipeline.Stats.PartsEscalated, pipeline.Stats.Escalated));
        Assert.Null(pipeline.Outbox.Find(outcome.Sequence));
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }

    /// <summary>40 confidently decided trigger parts (pass and defect in turn) at <paramref name="share"/>: every part id, and those in the outbox.</summary>
    private (long[] All, long[] Audited) AuditedParts(double share, string database)
    {
        using var pipeline = new PartPipeline(_temp.File(database), _model, new PartsOptions { Source = PartsOptions.Trigger, AuditShare = share });
        var all = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            using var frame = Frames.Grey(i % 2 == 0 ? TestModels.PassGrey : TestModels.DefectGrey);
            all.Add(pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!.Sequence);
        }

        return ([.. all], [.. all.Where(id => pipeline.Outbox.Find(id) is { EdgeAudit: not null })]);
    }
}
