using System.Collections.Concurrent;
using System.Text;
using MQTTnet;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>A second, real MQTT client that plays the cloud: records what devices publish and publishes desired states.</summary>
internal sealed class MqttObserver : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private MqttObserver(IMqttClient client)
    {
        _client = client;
    }

    public ConcurrentQueue<(string Topic, string Payload, bool Retained)> Messages { get; } = new();

    public static async Task<MqttObserver> ConnectAsync(int port, string filter = "inspection/v1/devices/#")
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var observer = new MqttObserver(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            observer.Messages.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("observer-" + Guid.NewGuid().ToString("N")).WithCleanStart(true).Build(),
            TestContext.Current.CancellationToken);
        await client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(),
            TestContext.Current.CancellationToken);
        return observer;
    }

    public async Task PublishAsync(string topic, string payload, bool retain = true) =>
        await _client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            TestContext.Current.CancellationToken);

    public async Task PublishAsync(string topic, byte[] payload, bool retain) =>
        await _client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            TestContext.Current.CancellationToken);

    public IEnumerable<string> PayloadsOn(string topic) => Messages.Where(m => m.Topic == topic).Select(m => m.Payload);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // The broker may already be gone.
        }

        _client.Dispose();
    }
}
