using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.Detection.Parts;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>The frame inspector with parts over a LiteDB file on disk, as the host wires it.</summary>
internal sealed class PartPipeline : IDisposable
{
    public PartPipeline(string databasePath, ActiveModel model, PartsOptions parts, EdgeStats? stats = null, OutboxOptions? outbox = null, DeviceState? state = null, PartTrackerOptions? tracker = null)
    {
        Database = new EdgeDatabase(databasePath);
        Stats = stats ?? new EdgeStats();
        var storage = TestOptions.Of(new StorageOptions { SequenceBlockSize = 1000 });
        var outboxOptions = TestOptions.Of(outbox ?? new OutboxOptions());
        Outbox = new OutboxStore(Database, outboxOptions, Time);
        Results = new ResultStore(Database, storage);
        var degradation = TestDegradation.For(Database, TimeProvider.System, state: state);
        Parts = new PartInspector(
            TestOptions.Of(parts),
            TestOptions.Of(tracker ?? new PartTrackerOptions()),
            Outbox,
            Results,
            Stats,
            degradation,
            outboxOptions,
            TestOptions.Edge(),
            Time,
            NullLogger<PartInspector>.Instance);
        Inspector = new FrameInspector(
            model,
            new SequenceCounter(Database, storage),
            Results,
            Outbox,
            Stats,
            degradation,
            outboxOptions,
            TestOptions.Edge(),
            Time,
            NullLogger<FrameInspector>.Instance,
            Parts);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    public EdgeDatabase Database { get; }

    public EdgeStats Stats { get; }

    public OutboxStore Outbox { get; }

    public ResultStore Results { get; }

    public PartInspector Parts { get; }

    public FrameInspector Inspector { get; }

    /// <summary>An outbox forwarder over this pipeline's outbox and stats, sending to the cloud at <paramref name="address"/>.</summary>
    public OutboxForwarder Forwarder(GrpcChannel channel, string address)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var state = new DeviceState(new ControlStateStore(Database));
        return new OutboxForwarder(
            new Escalation.EscalationClient(channel),
            new Health.HealthClient(channel),
            Outbox,
            state,
            new DeviceEvents(TestOptions.Edge(), time),
            Stats,
            new ForwardingState(),
            TestOptions.Of(new CloudOptions { Address = address }),
            TestOptions.Of(new DegradationOptions { CloudProbeDeadlineMilliseconds = 5000 }),
            TestOptions.Edge(),
            time,
            NullLogger<OutboxForwarder>.Instance);
    }

    public void Dispose()
    {
        Parts.Dispose();
        Database.Dispose();
    }
}
