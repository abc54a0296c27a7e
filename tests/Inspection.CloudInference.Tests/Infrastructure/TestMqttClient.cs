using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>A device-side MQTT client against the broker under test.</summary>
public sealed class TestMqttClient : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private TestMqttClient(IMqttClient client)
    {
        _client = client;
    }

    /// <summary>Every message received, by topic, latest last.</summary>
    public ConcurrentQueue<(string Topic, byte[] Payload, bool Retained)> Received { get; } = new();

    public static async Task<TestMqttClient> ConnectAsync(int port, string clientId = "test-device")
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var wrapper = new TestMqttClient(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            wrapper.Received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).Build();
        await client.ConnectAsync(options, TestContext.Current.CancellationToken);
        return wrapper;
    }

    public Task PublishAsync(string topic, byte[] payload, bool retain = true) =>
        _client.PublishBinaryAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, retain, TestContext.Current.CancellationToken);

    public Task SubscribeAsync(string topic) =>
        _client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        // The broker may be gone already (tests stop it): a dispose that reaches a dead socket must not throw.
        await _client.TryDisconnectAsync();

        _client.Dispose();
    }
}
