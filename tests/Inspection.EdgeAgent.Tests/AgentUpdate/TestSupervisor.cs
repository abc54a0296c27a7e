using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Inspection.EdgeAgent.AgentUpdate;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// Stands in for systemd running the agent's unit: starts <c>ExecStart=</c> through the release link (so the release
/// is whatever the link names at that moment), as a child of a process named <c>systemd</c> with a fresh
/// <c>NOTIFY_SOCKET</c> per start it owns (<c>READY=1</c> and <c>STATUS=</c> as <c>systemctl show</c> would report
/// them), restarts it when it exits (<c>Restart=always</c>, counted like <c>NRestarts</c>), and on a restart sends
/// SIGTERM and waits for the exit (SIGKILL after the stop timeout) before starting it again.
/// </summary>
internal sealed class TestSupervisor : IAgentService, IAsyncDisposable, IWatched
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private static readonly TimeSpan RestartDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private readonly string _folder;
    private readonly string _execStart;
    private readonly IReadOnlyList<string> _args;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<Run> _runs = [];
    private readonly string _manager;
    private long _exits;
    private string? _lastExit;
    private bool _disposed;

    public TestSupervisor(string folder, string execStart, IReadOnlyList<string>? args = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        _folder = Directory.CreateDirectory(folder).FullName;
        _execStart = execStart;
        _args = args ?? [];
        _environment = environment ?? new Dictionary<string, string>();
        _manager = Path.Combine(_folder, "systemd");
        if (!File.Exists(_manager))
        {
            File.CreateSymbolicLink(_manager, "/bin/sh");
        }
    }

    /// <summary>Every start so far, in order.</summary>
    public IReadOnlyList<Run> Runs
    {
        get
        {
            lock (_runs)
            {
                return _runs.ToList();
            }
        }
    }

    public Run Current => Runs[^1];

    public string? Stopped => null;

    /// <summary>The first start of the service.</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            StartRun();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Runs.LastOrDefault() is { } run)
            {
                await StopAsync(run);
            }

            StartRun();
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<AgentServiceState> ReadAsync(CancellationToken cancellationToken)
    {
        var run = Runs.LastOrDefault();
        var running = run is { Process.HasExited: false };
        return Task.FromResult(new AgentServiceState(
            running,
            running && run!.Notify.Count("READY=1") > 0,
            Interlocked.Read(ref _exits),
            Volatile.Read(ref _lastExit),
            run?.LastStatus()));
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync(CancellationToken.None);
        _disposed = true;
        _gate.Release();
        foreach (var run in Runs)
        {
            await StopAsync(run);
            run.Notify.Dispose();
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var run in Runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"--- start {run.Number}: release {run.Release} ---");
            text.AppendLine(run.Output);
            text.AppendLine("--- its notifications ---");
            text.AppendLine(string.Join(Environment.NewLine, run.Notify.Messages.TakeLast(20)));
        }

        return text.ToString();
    }

    private void StartRun()
    {
        var number = Runs.Count + 1;
        var link = Path.GetDirectoryName(_execStart)!;
        var release = Path.GetFileName(new DirectoryInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link);
        var pidFile = Path.Combine(_folder, $"run-{number}.pid");
        var notify = new NotifySocket(Path.Combine(_folder, $"notify-{number}.sock"));
        var info = new ProcessStartInfo(_manager)
        {
            WorkingDirectory = link,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // As SystemdService does: the inner shell writes its pid and becomes the agent (exec keeps the pid), a child of
        // the outer shell named systemd, which waits and exits with the agent's exit code.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("sh -c 'echo $$ > \"$0\"; export WATCHDOG_PID=$$; exec \"$@\"' \"$0\" \"$@\" & wait $!");
        info.ArgumentList.Add(pidFile);
        info.ArgumentList.Add(_execStart);
        foreach (var arg in _args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NOTIFY_SOCKET"] = notify.Path;
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var run = new Run(number, release, process, notify, pidFile);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        process.Exited += (_, _) => OnExited(run);
        lock (_runs)
        {
            _runs.Add(run);
        }

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void OnExited(Run run)
    {
        if (run.Stopping)
        {
            return;
        }

        Volatile.Write(ref _lastExit, string.Create(CultureInfo.InvariantCulture, $"exit-code, status {run.Process.ExitCode}"));
        Interlocked.Increment(ref _exits);
        _ = RestartLaterAsync(run);
    }

    private async Task RestartLaterAsync(Run run)
    {
        await Task.Delay(RestartDelay, CancellationToken.None);
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (!_disposed && Runs[^1] == run)
            {
                StartRun();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task StopAsync(Run run)
    {
        run.Stopping = true;
        if (run.Process.HasExited)
        {
            return;
        }

        if (run.Pid() is { } pid)
        {
            run.StopRequested = Stopwatch.GetTimestamp();
            _ = Kill(pid, SigTerm);
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await run.Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            if (run.Pid() is { } stuck)
            {
                _ = Kill(stuck, SigKill);
            }

            run.Process.Kill(entireProcessTree: true);
            await run.Process.WaitForExitAsync(CancellationToken.None);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>One start of the service.</summary>
    internal sealed class Run(int number, string release, Process process, NotifySocket notify, string pidFile)
    {
        private readonly StringBuilder _output = new();

        public int Number { get; } = number;

        /// <summary>The release the link named when it started.</summary>
        public string Release { get; } = release;

        public Process Process { get; } = process;

        public NotifySocket Notify { get; } = notify;

        public bool Stopping { get; set; }

        /// <summary>When the supervisor sent SIGTERM (a <see cref="Stopwatch"/> timestamp), or null.</summary>
        public long? StopRequested { get; set; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public int? Pid() => File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;

        /// <summary>The last <c>STATUS=</c> line, as <c>systemctl show -p StatusText</c> gives it.</summary>
        public string? LastStatus() =>
            Notify.Messages.SelectMany(m => m.Split('\n')).LastOrDefault(l => l.StartsWith("STATUS=", StringComparison.Ordinal))?["STATUS=".Length..];

        public void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
