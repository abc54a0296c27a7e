using System.Diagnostics;
using System.Globalization;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// The agent's unit under systemd, through <c>systemctl</c>: <c>stop</c> then <c>start</c>, and <c>show</c> for its state. With
/// <c>Type=notify</c> the unit is <c>active</c>/<c>running</c> only after <c>READY=1</c>; <c>NRestarts</c> counts the
/// restarts <c>Restart=always</c> made (a crash, a watchdog kill); <c>StatusText</c> is the last <c>STATUS=</c>.
/// Covered on the device only (no systemd in the test environment); the decision logic is tested with a supervisor.
/// </summary>
public sealed class SystemdAgentService : IAgentService
{
    private static readonly TimeSpan StartPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StartJobTimeout = TimeSpan.FromSeconds(60);
    private readonly string _unit;
    private readonly TimeProvider _time;

    public SystemdAgentService(string unit, TimeProvider time)
    {
        _unit = unit;
        _time = time;
    }

    /// <summary>
    /// A blocking stop (the old process is gone, within the unit's <c>TimeoutStopSec=</c>, before anything is read),
    /// then a start that does not wait for <c>READY=1</c> (a release that never gets ready must not hang the updater
    /// for <c>TimeoutStartSec=</c>), then a wait until systemd has begun the new invocation, so that the first state read
    /// afterwards — <c>NRestarts</c> included, which a manual start resets — is the new release's.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        var before = await ShowAsync(["InvocationID"], cancellationToken).ConfigureAwait(false);
        await RunAsync(["stop", _unit], cancellationToken).ConfigureAwait(false);
        await RunAsync(["start", "--no-block", _unit], cancellationToken).ConfigureAwait(false);
        var deadline = _time.GetTimestamp();
        while (true)
        {
            var now = await ShowAsync(["InvocationID", "ActiveState"], cancellationToken).ConfigureAwait(false);
            if (now.GetValueOrDefault("InvocationID") is { Length: > 0 } id && id != before.GetValueOrDefault("InvocationID")
                && now.GetValueOrDefault("ActiveState") is not "inactive")
            {
                return;
            }

            if (_time.GetElapsedTime(deadline) > StartJobTimeout)
            {
                throw new IOException($"systemd did not begin to start {_unit} within {StartJobTimeout.TotalSeconds} s of 'systemctl start'");
            }

            await Task.Delay(StartPoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<AgentServiceState> ReadAsync(CancellationToken cancellationToken)
    {
        var values = await ShowAsync(["MainPID", "ActiveState", "SubState", "NRestarts", "Result", "ExecMainStatus", "StatusText"], cancellationToken).ConfigureAwait(false);
        var pid = long.TryParse(values.GetValueOrDefault("MainPID"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        var restarts = long.TryParse(values.GetValueOrDefault("NRestarts"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var ready = values.GetValueOrDefault("ActiveState") == "active" && values.GetValueOrDefault("SubState") == "running";
        var lastExit = $"{values.GetValueOrDefault("Result")}, status {values.GetValueOrDefault("ExecMainStatus")}";
        var status = values.GetValueOrDefault("StatusText");
        return new AgentServiceState(pid > 0, ready && pid > 0, restarts, lastExit, string.IsNullOrEmpty(status) ? null : status);
    }

    private async Task<Dictionary<string, string>> ShowAsync(string[] properties, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["show", _unit, .. properties.SelectMany(p => (string[])["-p", p])], cancellationToken).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1].TrimEnd('\r'), StringComparer.Ordinal);
    }

    private static async Task<string> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var (code, output, error) = await SystemctlAsync(args, cancellationToken).ConfigureAwait(false);
        return code == 0 ? output : throw new IOException($"systemctl {string.Join(' ', args)} failed ({code}): {error.Trim()}");
    }

    private static async Task<(int Code, string Output, string Error)> SystemctlAsync(string[] args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("systemctl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new IOException("systemctl could not be started");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
