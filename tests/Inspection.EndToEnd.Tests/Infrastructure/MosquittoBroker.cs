namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real mosquitto (Debian package, installed by test.sh) on a loopback port of its own, with its own config
/// and no persistence, so every test gets a fresh broker.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";

    private readonly ServiceProcess _process;
    private readonly string _directory;

    private MosquittoBroker(ServiceProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Output => _process.Output;

    /// <summary>
    /// Starts mosquitto on a candidate port it binds itself; when it exits because another process holds the port,
    /// tries the next one.
    /// </summary>
    public static Task<MosquittoBroker> StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run ./test.sh, which installs the Debian package mosquitto.");
        }

        return LoopbackPort.BindAsync(port => StartOnAsync(port, cancellationToken), IsPortTaken);
    }

    /// <summary>
    /// Starts a fresh mosquitto on <paramref name="port"/>, where an earlier one (now stopped) listened: a broker
    /// restarted without persistence, which has lost every session.
    /// </summary>
    public static Task<MosquittoBroker> RestartOnAsync(int port, CancellationToken cancellationToken) => StartOnAsync(port, cancellationToken);

    private static async Task<MosquittoBroker> StartOnAsync(int port, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("mosquitto-").FullName;
        var config = Path.Combine(directory, "mosquitto.conf");
        // Started as root, mosquitto drops to user 'mosquitto' unless told otherwise, and then cannot
        // write into a temp folder owned by root.
        await File.WriteAllLinesAsync(
            config,
            [
                "user root",
                $"listener {port} 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "log_type notice",
            ],
            cancellationToken);
        var process = ServiceProcess.Start("mosquitto", Executable, ["-c", config], directory);
        var broker = new MosquittoBroker(process, directory, port);
        try
        {
            // Accepting connections, or gone: mosquitto exits at once when it cannot bind.
            await Eventually.WaitAsync(
                $"mosquitto to listen on port {port}",
                ct => AcceptsAsync(port, ct),
                accepts => accepts || process.HasExited,
                TimeSpan.FromSeconds(30),
                cancellationToken);
            if (process.HasExited)
            {
                throw new ServiceExitedException($"mosquitto exited with code {process.ExitCode}: {process.Output}");
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    private static bool IsPortTaken(Exception ex) =>
        ex is ServiceExitedException && ex.Message.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
