using System.Net;
using System.Security.Cryptography.X509Certificates;
using Inspection.Mqtt;
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
    private X509Certificate2? _certificate;

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
        var builder = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(_options.BindAddress))
            .WithDefaultEndpointPort(_options.Port)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(_options.MaxPendingMessagesPerClient);
        if (_options.CertificateFile is { Length: > 0 } certificateFile)
        {
            // Re-imported from PKCS#12: the key of a PEM-loaded certificate is not usable by the TLS server as is. Handed
            // over as a certificate, not as bytes: MQTTnet 5 reads a byte blob as a bare certificate, so a PKCS#12 blob
            // failed every handshake ("ASN1 corrupted data") and the endpoint closed each connection unanswered.
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, _options.KeyFile);
            _certificate?.Dispose();
            _certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
            builder
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(IPAddress.Parse(_options.BindAddress))
                .WithEncryptedEndpointPort(_options.TlsPort)
                .WithEncryptionCertificate(_certificate);
        }

        _server = factory.CreateMqttServer(builder.Build());
        var passwords = _options.PasswordFile is { Length: > 0 } passwordFile ? MosquittoPasswordFile.Load(passwordFile) : null;
        var acl = _options.AclFile is { Length: > 0 } aclFile ? MosquittoAcl.Load(aclFile) : null;
        new BrokerAccessControl(passwords, acl, _logger).Attach(_server);
        if (passwords is null)
        {
            Log.Anonymous(_logger);
        }
        else
        {
            Log.Identities(_logger, passwords.Users.Count, _options.PasswordFile!, _options.AclFile ?? "(none: every user may use every topic)");
        }
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
        if (_options.CertificateFile is { Length: > 0 })
        {
            Log.TlsStarted(_logger, _options.BindAddress, _options.TlsPort);
        }
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
        _certificate?.Dispose();
        _certificate = null;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port} (retained messages are kept in memory)")]
        public static partial void Started(ILogger logger, string address, int port);

        [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker also listening with TLS on {Address}:{Port}")]
        public static partial void TlsStarted(ILogger logger, string address, int port);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded MQTT broker accepts anonymous clients: any program that reaches its port can command every device. Set Cloud:Broker:PasswordFile and Cloud:Broker:AclFile (written by 'identity mqtt') on any shared network")]
        public static partial void Anonymous(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker requires credentials: {Users} users from {PasswordFile}; ACL {AclFile}")]
        public static partial void Identities(ILogger logger, int users, string passwordFile, string aclFile);

        [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker disabled; using the broker configured in Cloud:Mqtt")]
        public static partial void Disabled(ILogger logger);
    }
}
