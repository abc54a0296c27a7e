using System.Net;
using System.Net.Sockets;
using Inspection.CloudInference.Broker;
using Inspection.CloudInference.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests.Broker;

public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task StartAsync_Enabled_AcceptsDeviceConnections()
    {
        var (broker, port) = await LoopbackPort.BindAsync(async candidate =>
        {
            var started = new EmbeddedBroker(Options.Create(new BrokerOptions { Port = candidate }), NullLogger<EmbeddedBroker>.Instance);
            try
            {
                await started.StartAsync(TestContext.Current.CancellationToken);
                return (started, candidate);
            }
            catch
            {
                started.Dispose();
                throw;
            }
        });
        using var owned = broker;
        await using var device = await TestMqttClient.ConnectAsync(port);

        Assert.True(broker.IsRunning);
        await broker.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(broker.IsRunning);
    }

    [Fact]
    public async Task StartAsync_Disabled_ListensNowhere()
    {
        var port = LoopbackPort.Candidate();
        using var broker = new EmbeddedBroker(
            Options.Create(new BrokerOptions { Enabled = false, Port = port }), NullLogger<EmbeddedBroker>.Instance);

        await broker.StartAsync(TestContext.Current.CancellationToken);

        Assert.False(broker.IsRunning);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken).AsTask());
    }

    [Fact]
    public async Task StartAsync_PortTaken_FailsWithClearMessage()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        using var broker = new EmbeddedBroker(Options.Create(new BrokerOptions { Port = port }), NullLogger<EmbeddedBroker>.Instance);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => broker.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.Contains("Cloud:Broker:Enabled=false", error.Message);
    }
}
