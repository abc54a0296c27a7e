using Inspection.Detection;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.Tests.Shared;

namespace Inspection.EdgeAgent.Tests.Control;

/// <summary>The part counters in the reported state.</summary>
public sealed class ReportedStatePartsTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly EdgeDatabase _database;
    private readonly ActiveModel _model;

    public ReportedStatePartsTests()
    {
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _model = TestModels.Unloaded(_temp.Folder("models"), _ => throw new InvalidOperationException("no model in reporting tests"));
    }

    [Fact]
    public void Build_PartsDecided_ReportsThemBySource()
    {
        var stats = new EdgeStats();
        stats.PartsEnabled("tracker");
        stats.PartDecided(Decision.Pass, safeRejected: false);
        stats.PartDecided(Decision.Pass, safeRejected: false);
        stats.PartDecided(Decision.Defect, safeRejected: false);
        stats.PartDecided(Decision.Uncertain, safeRejected: true);
        stats.PartDecided(Decision.Uncertain, safeRejected: false);
        stats.PartEscalated();
        stats.SetPartsInView(2);

        var parts = Builder(stats).Build().Stats.Parts;

        Assert.NotNull(parts);
        Assert.Equal(("tracker", 2L, 2L, 2L, 1L, 2L), (parts.Source, parts.Passed, parts.Rejected, parts.Uncertain, parts.Escalated, parts.InView));
    }

    [Fact]
    public void Build_FramesOnly_HasNoParts()
    {
        var stats = new EdgeStats();
        stats.FrameInspected(Decision.Uncertain, 1);

        Assert.Null(Builder(stats).Build().Stats.Parts);
    }

    private ReportedStateBuilder Builder(EdgeStats stats)
    {
        var edge = TestOptions.Edge();
        return new ReportedStateBuilder(
            new DeviceState(new ControlStateStore(_database)),
            _model,
            stats,
            new OutboxStore(_database),
            new ReviewVerdictStore(_database),
            new ForwardingState(),
            new OtaProgressFeed(),
            new DeviceEvents(edge, TimeProvider.System),
            new AgentUpdateStore(_temp.Folder("agent-update")),
            edge,
            TestOptions.Of(new ReportingOptions()),
            TimeProvider.System);
    }

    public void Dispose()
    {
        _model.Dispose();
        _database.Dispose();
        _temp.Dispose();
    }
}
