using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using EdgeCloudOptions = Inspection.EdgeAgent.Forwarding.CloudOptions;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>The edge's real outbox forwarder of one device, over a channel to a test cloud.</summary>
public static class EdgeForwarders
{
    /// <summary>
    /// The forwarder, with <paramref name="cloud"/> as its settings: they name the replicas a balanced channel
    /// (<see cref="CloudChannel"/>) spreads over, which the forwarder must know to send a dead replica's frames to another.
    /// Without them, the defaults and the channel's one target.
    /// </summary>
    public static OutboxForwarder Create(GrpcChannel channel, EdgeDatabase database, OutboxStore outbox, string deviceId, string lineId, TimeProvider time, EdgeCloudOptions? cloud = null, ILogger<OutboxForwarder>? logger = null)
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
            Options.Create(cloud ?? new EdgeCloudOptions { Address = $"http://{channel.Target}" }),
            Options.Create(new DegradationOptions { CloudProbeDeadlineMilliseconds = 10_000 }),
            edge,
            time,
            logger ?? NullLogger<OutboxForwarder>.Instance);
    }
}
