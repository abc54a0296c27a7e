using System.Net;
using MQTTnet.Server;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>A real MQTT broker (MQTTnet.Server) in-process on 127.0.0.1, restartable on the same port.</summary>
internal sealed class EmbeddedBroker : IAsyncDisposable
{
    private MqttServer? _server;

    private EmbeddedBroker(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public static async Task<EmbeddedBroker> LaunchAsync()
    {
        var broker = new EmbeddedBroker(FreePort.Next());
        await broker.StartAsync(TestContext.Current.CancellationToken);
        return broker;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            .WithPersistentSessions()
            .Build();
        _server = factory.CreateMqttServer(options);
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                await _server.StartAsync();
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            {
                // The port of a just-stopped broker can linger for a moment.
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }

        await _server.StopAsync();
        _server.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
