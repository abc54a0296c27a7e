using System.Buffers;
using Inspection.Contracts.Mqtt;
using MQTTnet;

namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>An MQTT client of the test's own that keeps the latest reported state of one device.</summary>
internal sealed class ReportedStateWatcher : IDisposable
{
    private readonly IMqttClient _client;
    private ReportedState? _latest;

    private ReportedStateWatcher(IMqttClient client)
    {
        _client = client;
    }

    public ReportedState? Latest => Volatile.Read(ref _latest);

    public static async Task<ReportedStateWatcher> StartAsync(int port, string deviceId, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var watcher = new ReportedStateWatcher(client);
        client.ApplicationMessageReceivedAsync += args =>
        {
            if (MqttPayloads.TryParseReported(args.ApplicationMessage.Payload.ToArray(), out var state, out _))
            {
                Volatile.Write(ref watcher._latest, state);
            }

            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"e2e-watch-{deviceId}").Build(), cancellationToken);
        await client.SubscribeAsync(MqttTopics.Reported(deviceId), cancellationToken: cancellationToken);
        return watcher;
    }

    public void Dispose() => _client.Dispose();
}
