using System.Collections.Concurrent;
using System.Security.Authentication;
using System.Text;
using Inspection.Contracts.Identity;
using Inspection.Contracts.Mqtt;
using Inspection.Mqtt.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Exceptions;

namespace Inspection.Mqtt.Tests;

/// <summary>
/// <c>Mqtt:Tls:*</c> (and the cloud's <c>Cloud:Mqtt:Tls:*</c>, the same options) against real TLS endpoints: mosquitto's
/// TLS listener and the embedded broker's <c>Cloud:Broker:TlsPort</c>, with certificates from the fleet's own CA code.
/// </summary>
public sealed class MqttTlsTests : IDisposable
{
    private const string Device = "line1-cam1";
    private readonly TempDirectory _temp = new();
    private readonly string _identity;
    private readonly TlsFiles _files;

    public MqttTlsTests()
    {
        _identity = _temp.Folder("identity");
        FleetIdentityFiles.Write(_identity, "cloud", [Device]);
        _files = TlsFiles.Create(_temp.Folder("tls"), Device);
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(TestBroker.Embedded, false)]
    [InlineData(TestBroker.Mosquitto, false)]
    [InlineData(TestBroker.Mosquitto, true)]
    public async Task RunAsync_TlsWithTheFleetCa_ConnectsSubscribesAndReceives(string kind, bool requireCertificate)
    {
        await using var broker = await TlsBroker.StartAsync(kind, _identity, _files, _temp.Folder("broker"), requireCertificate);
        var tls = Trusting(_files.Ca, requireCertificate);
        var received = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        using var device = new MqttSession(
            Settings(broker.TlsPort, Device, DevicePassword(), tls) with { Subscriptions = [MqttTopics.Desired(Device)] },
            m => received.Enqueue(Encoding.UTF8.GetString(m.Payload)),
            _ => Task.CompletedTask,
            TimeProvider.System,
            NullLogger.Instance);
        using var cloud = new MqttSession(
            Settings(broker.TlsPort, "inspection-cloud", CloudPassword(), tls) with { Username = "cloud" },
            _ => { },
            _ => Task.CompletedTask,
            TimeProvider.System,
            NullLogger.Instance);
        var runs = new[] { device, cloud }.Select(s => s.RunAsync((_, _) => Task.FromResult(TimeSpan.MaxValue), stop.Token)).ToArray();

        await Eventually.UntilAsync(() => device.IsReady && cloud.IsReady, $"both sessions connected and subscribed over TLS; broker output: {broker.Output}");
        Assert.True(await cloud.PublishAsync(MqttTopics.Desired(Device), Encoding.UTF8.GetBytes("over-tls"), retain: false, TestContext.Current.CancellationToken));
        await Eventually.UntilAsync(() => received.Contains("over-tls"), "the command received over TLS");

        await stop.CancelAsync();
        await Task.WhenAll(runs);
        await device.StopAsync(farewell: null, CancellationToken.None);
        await cloud.StopAsync(farewell: null, CancellationToken.None);
    }

    [Theory]
    [InlineData(TestBroker.Embedded, true)]
    [InlineData(TestBroker.Mosquitto, true)]
    [InlineData(TestBroker.Embedded, false)]
    [InlineData(TestBroker.Mosquitto, false)]
    public async Task Connect_ClientThatDoesNotTrustTheBrokersCa_IsRefusedInTheHandshake(string kind, bool otherCa)
    {
        await using var broker = await TlsBroker.StartAsync(kind, _identity, _files, _temp.Folder("broker"), requireCertificate: false);
        // Another fleet's CA, or none at all (the system's roots, which never signed a plant broker's certificate).
        string? caFile = null;
        if (otherCa)
        {
            using var other = FleetCertificates.CreateAuthority("Another fleet CA", DateTimeOffset.UtcNow, 1);
            caFile = Path.Combine(_temp.Folder("other"), "ca.crt");
            FleetCertificates.WriteCertificatePem(other, caFile);
        }

        var exception = await ConnectFailsAsync(Settings(broker.TlsPort, Device, DevicePassword(), new MqttTlsOptions { Enabled = true, CaFile = caFile }));

        Assert.True(Chain(exception).Any(e => e is AuthenticationException), $"not refused in the TLS handshake: {exception}");
    }

    [Theory]
    [InlineData(TestBroker.Embedded)]
    [InlineData(TestBroker.Mosquitto)]
    public async Task Connect_PlainClientToTheTlsPort_Fails(string kind)
    {
        await using var broker = await TlsBroker.StartAsync(kind, _identity, _files, _temp.Folder("broker"), requireCertificate: false);

        var exception = await ConnectFailsAsync(Settings(broker.TlsPort, Device, DevicePassword(), new MqttTlsOptions()));

        Assert.IsAssignableFrom<MqttCommunicationException>(exception);
    }

    [Fact]
    public async Task Connect_MosquittoRequiresACertificateAndTheClientHasNone_Fails()
    {
        await using var broker = await TlsBroker.StartAsync(TestBroker.Mosquitto, _identity, _files, _temp.Folder("broker"), requireCertificate: true);

        var exception = await ConnectFailsAsync(Settings(broker.TlsPort, Device, DevicePassword(), Trusting(_files.Ca, clientCertificate: false)));

        Assert.IsAssignableFrom<MqttCommunicationException>(exception);
    }

    private MqttTlsOptions Trusting(string caFile, bool clientCertificate) => new()
    {
        Enabled = true,
        CaFile = caFile,
        CertificateFile = clientCertificate ? _files.DeviceCertificate : null,
        KeyFile = clientCertificate ? _files.DeviceKey : null,
    };

    private static MqttSessionSettings Settings(int port, string clientId, string password, MqttTlsOptions tls) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = clientId,
        Username = clientId,
        Password = password,
        Tls = tls,
        SessionExpirySeconds = 60,
        ReconnectDelay = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>One connect with exactly the options a session builds from these settings; returns why it failed.</summary>
    private static async Task<Exception> ConnectFailsAsync(MqttSessionSettings settings)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        return await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(MqttClientOptionsFactory.Create(settings), TestContext.Current.CancellationToken));
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private string DevicePassword() => File.ReadAllText(Path.Combine(_identity, "devices", Device, "mqtt-password")).Trim();

    private string CloudPassword() => File.ReadAllText(Path.Combine(_identity, "cloud", "mqtt-password")).Trim();
}
