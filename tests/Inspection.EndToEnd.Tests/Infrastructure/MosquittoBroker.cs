namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real mosquitto (Debian package, installed by test.sh) on a free loopback port, with its own config
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

    public static async Task<MosquittoBroker> StartAsync(CancellationToken cancellationToken, int? port = null)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run ./test.sh, which installs the Debian package mosquitto.");
        }

        var directory = Directory.CreateTempSubdirectory("mosquitto-").FullName;
        var actualPort = port ?? FreePort.Next();
        var config = Path.Combine(directory, "mosquitto.conf");
        // Started as root, mosquitto drops to user 'mosquitto' unless told otherwise, and then cannot
        // write into a temp folder owned by root.
        await File.WriteAllLinesAsync(
            config,
            [
                "user root",
                $"listener {actualPort} 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "log_type notice",
            ],
            cancellationToken);
        var process = ServiceProcess.Start("mosquitto", Executable, ["-c", config], directory);
        var broker = new MosquittoBroker(process, directory, actualPort);
        try
        {
            await FreePort.WaitListeningAsync(actualPort, TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
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
