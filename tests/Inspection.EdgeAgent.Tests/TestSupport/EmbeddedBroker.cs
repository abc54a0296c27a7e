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

    /// <summary>Starts a broker on a port it binds itself; a port another process holds is retried with the next.</summary>
    public static Task<EmbeddedBroker> LaunchAsync() =>
        LoopbackPort.BindAsync(async port =>
        {
            var broker = new EmbeddedBroker(port);
            await broker.StartOnceAsync();
            return broker;
        });

    /// <summary>Starts it again on its port after <see cref="StopAsync"/>, waiting while the old listener lingers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await StartOnceAsync();
                return;
            }
            catch (System.Net.Sockets.SocketException) when (started.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private async Task StartOnceAsync()
    {
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            .WithPersistentSessions()
            .Build();
        _server = factory.CreateMqttServer(options);
        try
        {
            await _server.StartAsync();
        }
        catch
        {
            _server.Dispose();
            _server = null;
            throw;
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
