using Inspection.CloudInference.Broker;
using Inspection.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspection.Mqtt.Tests.TestSupport;

/// <summary>
/// A real broker with a TLS endpoint and the fleet's identity files: mosquitto (Debian package) with one TLS listener
/// (cafile/certfile/keyfile, optionally <c>require_certificate true</c>), or the cloud's embedded broker with its
/// plain endpoint and its TLS endpoint (<c>Cloud:Broker:CertificateFile</c>/<c>KeyFile</c>/<c>TlsPort</c>).
/// </summary>
internal sealed class TlsBroker : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/mosquitto";
    private EmbeddedBroker? _embedded;
    private ServiceProcess? _process;

    private TlsBroker(int tlsPort) => TlsPort = tlsPort;

    public int TlsPort { get; }

    public string Output => _process?.Output ?? string.Empty;

    public static Task<TlsBroker> StartAsync(string kind, string identity, TlsFiles files, string directory, bool requireCertificate) =>
        LoopbackPort.BindAsync(
            async port =>
            {
                var broker = new TlsBroker(port);
                try
                {
                    if (kind == TestBroker.Embedded)
                    {
                        await broker.StartEmbeddedAsync(identity, files);
                    }
                    else
                    {
                        await broker.StartMosquittoAsync(identity, files, directory, requireCertificate);
                    }
                }
                catch
                {
                    await broker.DisposeAsync();
                    throw;
                }

                return broker;
            },
            ex => LoopbackPort.IsAddressInUse(ex)
                || (ex is ServiceExitedException && ex.Message.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)));

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.StopAsync(CancellationToken.None);
            _embedded.Dispose();
        }

        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(10));
            await _process.DisposeAsync();
        }
    }

    private async Task StartEmbeddedAsync(string identity, TlsFiles files)
    {
        _embedded = new EmbeddedBroker(
            Options.Create(new BrokerOptions
            {
                Port = LoopbackPort.Candidate(),
                TlsPort = TlsPort,
                CertificateFile = files.ServerCertificate,
                KeyFile = files.ServerKey,
                PasswordFile = Path.Combine(identity, "broker", "passwd"),
                AclFile = Path.Combine(identity, "broker", "acl"),
            }),
            NullLogger<EmbeddedBroker>.Instance);
        await _embedded.StartAsync(TestContext.Current.CancellationToken);
    }

    private async Task StartMosquittoAsync(string identity, TlsFiles files, string directory, bool requireCertificate)
    {
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllLinesAsync(
            config,
            [
                "user root",
                $"listener {TlsPort} 127.0.0.1",
                $"cafile {files.Ca}",
                $"certfile {files.ServerCertificate}",
                $"keyfile {files.ServerKey}",
                $"require_certificate {(requireCertificate ? "true" : "false")}",
                "allow_anonymous false",
                $"password_file {Path.Combine(identity, "broker", "passwd")}",
                $"acl_file {Path.Combine(identity, "broker", "acl")}",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "log_type notice",
            ],
            TestContext.Current.CancellationToken);
        _process = ServiceProcess.Start("mosquitto", Executable, ["-c", config], directory);
        var process = _process;
        await Eventually.WaitAsync(
            $"mosquitto to listen on port {TlsPort}",
            AcceptsAsync,
            accepts => accepts || process.HasExited,
            TimeSpan.FromSeconds(30),
            TestContext.Current.CancellationToken);
        if (process.HasExited)
        {
            throw new ServiceExitedException($"mosquitto exited with code {process.ExitCode}: {process.Output}");
        }
    }

    private async Task<bool> AcceptsAsync(CancellationToken cancellationToken)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, TlsPort, cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
