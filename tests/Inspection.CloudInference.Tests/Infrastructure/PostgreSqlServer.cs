using System.Diagnostics;
using Npgsql;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server (Debian's package, installed by test.sh) in a temporary folder on a loopback port of its
/// own, for one test class: initdb, then pg_ctl start with fsync off (the data is thrown away). Each test takes a fresh
/// database from <see cref="CreateDatabaseAsync"/>. Stopped and deleted when the class is done.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    /// <summary>Where Debian installs the server's programs.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    // initdb refuses to run as root: the cluster belongs to the postgres user, as it would on a server.
    private static readonly bool AsRoot = Environment.UserName == "root";

    private string _directory = string.Empty;
    private int _databases;

    public int Port { get; private set; }

    public string DataDirectory => Path.Combine(_directory, "data");

    public string LogFile => Path.Combine(_directory, "server.log");

    /// <summary>A connection string to the server's maintenance database, as the superuser.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"{BinDirectory}/initdb is missing: run ./test.sh, which installs the Debian package postgresql.");
        }

        var cancellationToken = TestContext.Current.CancellationToken;
        _directory = Directory.CreateTempSubdirectory("inspection-pg-").FullName;
        if (AsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", _directory], asPostgres: false, cancellationToken);
        }

        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], asPostgres: true, cancellationToken);
        Port = await LoopbackPort.BindAsync(
            async port =>
            {
                await StartOnAsync(port, cancellationToken);
                return port;
            },
            ex => ex is PortTakenException);
    }

    /// <summary>A fresh, empty database on this server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var name = $"test_{Interlocked.Increment(ref _databases)}";
        // Not pooled: a pooled connection would outlive a stop and restart of the server (RestartAsync) and fail once.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionStringFor(name);
    }

    /// <summary>Stops the server as an operator would (fast shutdown: sessions are ended).</summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], asPostgres: true, cancellationToken);

    /// <summary>Starts the stopped server again on the same port.</summary>
    public Task RestartAsync(CancellationToken cancellationToken) => StartOnAsync(Port, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_directory.Length == 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A server that would not stop still holds its files; the test's own failure says more.
            }
        }
    }

    private string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
        }.ConnectionString;

    private async Task StartOnAsync(int port, CancellationToken cancellationToken)
    {
        // -l: without a log file the server keeps pg_ctl's output open and reading it never ends.
        try
        {
            await RunAsync(
                Path.Combine(BinDirectory, "pg_ctl"),
                ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "30", "-o", $"-p {port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                asPostgres: true,
                cancellationToken);
        }
        catch (InvalidOperationException ex) when (File.Exists(LogFile) && File.ReadAllText(LogFile).Contains("Address already in use", StringComparison.Ordinal))
        {
            // The next attempt must not read this one's complaint.
            File.Delete(LogFile);
            throw new PortTakenException(ex.Message);
        }
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args, bool asPostgres, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(asPostgres && AsRoot ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && AsRoot)
        {
            foreach (var arg in new[] { "-u", "postgres", "--", program })
            {
                info.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', args)} exited with code {process.ExitCode}: {await output}{await error}");
        }
    }

    private sealed class PortTakenException(string message) : Exception(message);
}
