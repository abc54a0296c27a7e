using System.Net;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace Inspection.CloudInference.Broker;

/// <summary>
/// Runs MQTTnet's broker in-process when <see cref="BrokerOptions.Enabled"/> is set. Registered
/// before the fleet connection, so it is listening when the cloud's own client connects.
/// </summary>
public sealed partial class EmbeddedBroker : IHostedService, IDisposable
{
    private readonly BrokerOptions _options;
    private readonly ILogger<EmbeddedBroker> _logger;
    private MqttServer? _server;

    public EmbeddedBroker(IOptions<BrokerOptions> options, ILogger<EmbeddedBroker> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    public bool IsRunning => _server?.IsStarted ?? false;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            Log.Disabled(_logger);
            return;
        }

        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(_options.BindAddress))
            .WithDefaultEndpointPort(_options.Port)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(_options.MaxPendingMessagesPerClient)
            .Build();
        _server = factory.CreateMqttServer(options);
        try
        {
            await _server.StartAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"The embedded MQTT broker could not listen on {_options.BindAddress}:{_options.Port} ({ex.Message}). " +
                "Free the port, set Cloud:Broker:Port, or set Cloud:Broker:Enabled=false to use an external broker.", ex);
        }

        Log.Started(_logger, _options.BindAddress, _options.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true } server)
        {
            await server.StopAsync(new MqttServerStopOptions()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port} (retained messages are kept in memory)")]
        public static partial void Started(ILogger logger, string address, int port);

        [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker disabled; using the broker configured in Cloud:Mqtt")]
        public static partial void Disabled(ILogger logger);
    }
}
