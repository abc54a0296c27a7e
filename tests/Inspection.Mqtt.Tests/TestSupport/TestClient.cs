using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.Mqtt.Tests.TestSupport;

/// <summary>A plain MQTT 5 client under a given identity that records what it receives.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private TestClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
    }

    public ConcurrentQueue<(string Topic, string Payload)> Received { get; } = new();

    /// <summary>Connects; returns the broker's answer instead of throwing on a refusal.</summary>
    public static async Task<(TestClient Client, MqttClientConnectResultCode Result)> TryConnectAsync(int port, string clientId, string? user, string? password)
    {
        var client = new TestClient(new MqttClientFactory().CreateMqttClient());
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(true);
        if (user is not null)
        {
            options.WithCredentials(user, password);
        }

        try
        {
            var result = await client._client.ConnectAsync(options.Build(), TestContext.Current.CancellationToken);
            return (client, result.ResultCode);
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            // Refused (MQTTnet throws instead of returning the CONNACK code); the code itself is not what is judged.
            return (client, MqttClientConnectResultCode.NotAuthorized);
        }
    }

    public static async Task<TestClient> ConnectAsync(int port, string clientId, string user, string password)
    {
        var (client, result) = await TryConnectAsync(port, clientId, user, password);
        Assert.Equal(MqttClientConnectResultCode.Success, result);
        return client;
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Subscribes at QoS 1; returns the broker's result code for the filter.</summary>
    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        var result = await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(),
            TestContext.Current.CancellationToken);
        return result.Items.Single().ResultCode;
    }

    /// <summary>Publishes at QoS 1; returns the broker's PUBACK reason.</summary>
    public async Task<MqttClientPublishReasonCode> PublishAsync(string topic, string payload, bool retain = false)
    {
        var result = await _client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            TestContext.Current.CancellationToken);
        return result.ReasonCode;
    }

    public IEnumerable<string> On(string topic) => Received.Where(m => m.Topic == topic).Select(m => m.Payload);

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
        }

        _client.Dispose();
    }
}
