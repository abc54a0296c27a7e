using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using EdgeCloudOptions = Inspection.EdgeAgent.Forwarding.CloudOptions;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>The edge's real outbox forwarder of one device, over a channel to a test cloud.</summary>
public static class EdgeForwarders
{
    public static OutboxForwarder Create(GrpcChannel channel, EdgeDatabase database, OutboxStore outbox, string deviceId, string lineId, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var edge = Options.Create(new EdgeOptions { DeviceId = deviceId, LineId = lineId });
        return new OutboxForwarder(
            new Escalation.EscalationClient(channel),
            new Health.HealthClient(channel),
            outbox,
            new DeviceState(new ControlStateStore(database)),
            new DeviceEvents(edge, time),
            new EdgeStats(),
            new ForwardingState(),
            Options.Create(new EdgeCloudOptions { Address = $"http://{channel.Target}" }),
            Options.Create(new DegradationOptions { CloudProbeDeadlineMilliseconds = 10_000 }),
            edge,
            time,
            NullLogger<OutboxForwarder>.Instance);
    }
}
