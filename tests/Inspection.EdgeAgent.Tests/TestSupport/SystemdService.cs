using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// The agent's build output run as systemd runs the unit's <c>ExecStart=</c>, for the systemd protocol: its parent
/// process is named <c>systemd</c> (what <c>AddSystemd()</c> checks before it sends <c>READY=1</c> and
/// <c>STOPPING=1</c>), and <c>NOTIFY_SOCKET</c>, <c>WATCHDOG_USEC</c> and <c>WATCHDOG_PID</c> (the agent's own pid) are
/// set as systemd sets them, with a notification socket the test holds. The parent is <c>/bin/sh</c> under that name:
/// it starts the agent as its child and waits for it.
/// </summary>
internal sealed class SystemdService : IAsyncDisposable, IWatched
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly Process _manager;
    private readonly string _pidFile;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private int _pid;

    private SystemdService(Process manager, string pidFile, NotifySocket notify)
    {
        _manager = manager;
        _pidFile = pidFile;
        Notify = notify;
    }

    /// <summary>What the agent told "systemd".</summary>
    public NotifySocket Notify { get; }

    public bool HasExited => _manager.HasExited;

    /// <summary>The agent's exit code (the manager shell exits with it).</summary>
    public int ExitCode => _manager.ExitCode;

    public string? Stopped => _manager.HasExited ? $"The agent exited with code {_manager.ExitCode}" : null;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet Inspection.EdgeAgent.dll <paramref name="args"/></c> in <paramref name="folder"/> with the watchdog at <paramref name="watchdog"/>.</summary>
    public static SystemdService Start(string folder, IEnumerable<string> args, TimeSpan watchdog)
    {
        var manager = Path.Combine(folder, "systemd");
        if (!File.Exists(manager))
        {
            File.CreateSymbolicLink(manager, "/bin/sh");
        }

        var pidFile = Path.Combine(folder, $"agent-{Guid.NewGuid():N}.pid");
        var notify = new NotifySocket(Path.Combine(folder, $"notify-{Guid.NewGuid():N}.sock"));
        var info = new ProcessStartInfo(manager)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The inner shell writes its pid, names it the watchdog's, and becomes the agent (exec keeps the pid).
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("sh -c 'echo $$ > \"$0\"; export WATCHDOG_PID=$$; exec \"$@\"' \"$0\" \"$@\" & wait $!");
        info.ArgumentList.Add(pidFile);
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(AgentBuild.Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NOTIFY_SOCKET"] = notify.Path;
        info.Environment["WATCHDOG_USEC"] = ((long)watchdog.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new SystemdService(process, pidFile, notify);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The agent's pid (the inner shell's, which became the agent).</summary>
    public async Task<int> PidAsync()
    {
        if (_pid == 0)
        {
            _pid = await Eventually.WaitAsync(
                "the agent's pid",
                _ => Task.FromResult(File.Exists(_pidFile) && int.TryParse(File.ReadAllText(_pidFile).Trim(), out var pid) ? pid : 0),
                pid => pid > 0,
                Eventually.DefaultTimeout,
                TestContext.Current.CancellationToken,
                this);
        }

        return _pid;
    }

    /// <summary>SIGTERM to the agent, as <c>systemctl stop</c> sends it.</summary>
    public async Task TerminateAsync() => _ = Kill(await PidAsync(), SigTerm);

    /// <summary>Waits for the agent to exit; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await _manager.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_manager.HasExited)
        {
            // A wedged agent does not stop on SIGTERM: SIGKILL, as systemd does after TimeoutStopSec.
            if (_pid > 0)
            {
                _ = Kill(_pid, SigKill);
            }

            _manager.Kill(entireProcessTree: true);
            await _manager.WaitForExitAsync(CancellationToken.None);
        }

        _manager.Dispose();
        Notify.Dispose();
    }

    public override string ToString() => $"--- agent output ---{Environment.NewLine}{Output}{Environment.NewLine}--- notifications ---{Environment.NewLine}{string.Join(Environment.NewLine, Notify.Messages)}";

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
