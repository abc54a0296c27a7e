using Inspection.CloudInference.Broker;
using Inspection.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspection.Mqtt.Tests.TestSupport;

/// <summary>
/// A real broker that enforces the fleet's identity files: the cloud's embedded MQTTnet broker, or mosquitto (Debian
/// package) with persistence in its own folder, restartable on the same port.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    public const string Mosquitto = "mosquitto";
    public const string Embedded = "embedded";
    private const string Executable = "/usr/sbin/mosquitto";

    private readonly string _kind;
    private readonly string _passwd;
    private readonly string _acl;
    private readonly string _directory;
    private EmbeddedBroker? _embedded;
    private ServiceProcess? _process;

    private TestBroker(string kind, int port, string passwd, string acl, string directory)
    {
        _kind = kind;
        Port = port;
        _passwd = passwd;
        _acl = acl;
        _directory = directory;
    }

    public int Port { get; }

    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Starts a broker of <paramref name="kind"/> with the identity files under <paramref name="identity"/>.</summary>
    public static Task<TestBroker> StartAsync(string kind, string identity, string directory) =>
        LoopbackPort.BindAsync(
            async port =>
            {
                var broker = new TestBroker(kind, port, Path.Combine(identity, "broker", "passwd"), Path.Combine(identity, "broker", "acl"), directory);
                try
                {
                    await broker.StartAsync();
                }
                catch
                {
                    await broker.DisposeAsync();
                    throw;
                }

                return broker;
            },
            ex => ex is ServiceExitedException && ex.Message.Contains("Address already in use", StringComparison.OrdinalIgnoreCase));

    public async Task StartAsync()
    {
        if (_kind == Embedded)
        {
            _embedded = new EmbeddedBroker(
                Options.Create(new BrokerOptions { Port = Port, PasswordFile = _passwd, AclFile = _acl }),
                NullLogger<EmbeddedBroker>.Instance);
            await _embedded.StartAsync(TestContext.Current.CancellationToken);
            return;
        }

        var config = Path.Combine(_directory, "mosquitto.conf");
        await File.WriteAllLinesAsync(
            config,
            [
                "user root",
                $"listener {Port} 127.0.0.1",
                "allow_anonymous false",
                $"password_file {_passwd}",
                $"acl_file {_acl}",
                "persistence true",
                $"persistence_location {_directory}/",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "log_type notice",
            ],
            TestContext.Current.CancellationToken);
        _process = ServiceProcess.Start("mosquitto", Executable, ["-c", config], _directory);
        var process = _process;
        await Eventually.WaitAsync(
            $"mosquitto to listen on port {Port}",
            AcceptsAsync,
            accepts => accepts || process.HasExited,
            TimeSpan.FromSeconds(30),
            TestContext.Current.CancellationToken);
        if (process.HasExited)
        {
            throw new ServiceExitedException($"mosquitto exited with code {process.ExitCode}: {process.Output}");
        }
    }

    /// <summary>Stops the broker; mosquitto writes its persistence file on the way down (SIGTERM).</summary>
    public async Task StopAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.StopAsync(CancellationToken.None);
            _embedded.Dispose();
            _embedded = null;
        }

        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(10));
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<bool> AcceptsAsync(CancellationToken cancellationToken)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, Port, cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
