using System.Diagnostics;
using System.Globalization;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// The agent's unit under systemd, through <c>systemctl</c>: <c>restart</c>, and <c>show</c> for its state. With
/// <c>Type=notify</c> the unit is <c>active</c>/<c>running</c> only after <c>READY=1</c>; <c>NRestarts</c> counts the
/// restarts <c>Restart=always</c> made (a crash, a watchdog kill); <c>StatusText</c> is the last <c>STATUS=</c>.
/// Covered on the device only (no systemd in the test environment); the decision logic is tested with a supervisor.
/// </summary>
public sealed class SystemdAgentService : IAgentService
{
    private readonly string _unit;

    public SystemdAgentService(string unit)
    {
        _unit = unit;
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        // --no-block: the updater watches the start itself (a release that never gets ready must not hang it for
        // TimeoutStartSec).
        var (code, _, error) = await SystemctlAsync(cancellationToken, "restart", "--no-block", _unit).ConfigureAwait(false);
        if (code != 0)
        {
            throw new IOException($"systemctl restart {_unit} failed ({code}): {error.Trim()}");
        }
    }

    public async Task<AgentServiceState> ReadAsync(CancellationToken cancellationToken)
    {
        var (code, output, error) = await SystemctlAsync(
            cancellationToken, "show", _unit, "-p", "MainPID", "-p", "ActiveState", "-p", "SubState", "-p", "NRestarts", "-p", "Result", "-p", "ExecMainStatus", "-p", "StatusText")
            .ConfigureAwait(false);
        if (code != 0)
        {
            throw new IOException($"systemctl show {_unit} failed ({code}): {error.Trim()}");
        }

        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1].TrimEnd('\r'), StringComparer.Ordinal);
        var pid = long.TryParse(values.GetValueOrDefault("MainPID"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        var restarts = long.TryParse(values.GetValueOrDefault("NRestarts"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var ready = values.GetValueOrDefault("ActiveState") == "active" && values.GetValueOrDefault("SubState") == "running";
        var lastExit = $"{values.GetValueOrDefault("Result")}, status {values.GetValueOrDefault("ExecMainStatus")}";
        var status = values.GetValueOrDefault("StatusText");
        return new AgentServiceState(pid > 0, ready && pid > 0, restarts, lastExit, string.IsNullOrEmpty(status) ? null : status);
    }

    private static async Task<(int Code, string Output, string Error)> SystemctlAsync(CancellationToken cancellationToken, params string[] args)
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
