using System.Diagnostics;
using System.Globalization;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Deploy;

/// <summary>
/// The shipped unit (deploy/jetson/inspection-edge-agent.service) through <c>systemd-analyze</c>, offline: no running
/// systemd is needed. systemd ignores a setting it cannot parse with a warning and starts the service anyway (a typo in
/// <c>SystemCallFilter=</c> silently drops the filter), and <c>verify</c> still exits 0 then, so any line it prints fails.
/// </summary>
public sealed class SystemdUnitTests : IDisposable
{
    /// <summary>The exposure <c>systemd-analyze security</c> gives the unit must stay at or below this (0–10, lower is better).</summary>
    private const double MaxExposure = 2.5;

    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Verify_ShippedUnit_PrintsNoWarningOrError()
    {
        var (exitCode, output) = await VerifyAsync(File.ReadAllText(SystemdUnit.ShippedPath));

        Assert.True(exitCode == 0 && output.Length == 0, $"systemd-analyze verify (exit {exitCode}) on {SystemdUnit.ShippedPath}:{Environment.NewLine}{output}");
    }

    [Theory]
    [InlineData("ProtectKernelTunabels=true", "Unknown key 'ProtectKernelTunabels'")]
    [InlineData("SystemCallFilter=@system-servic", "Unknown system call group")]
    [InlineData("RestrictAddressFamilies=AF_UNIX AF_BOGUS", "Failed to parse address family")]
    [InlineData("TimeoutStopSec=twenty", "Failed to parse time value")]
    public async Task Verify_UnitWithABadDirective_ReportsTheLine(string directive, string expected)
    {
        var unit = File.ReadAllText(SystemdUnit.ShippedPath).Replace("[Service]\n", $"[Service]\n{directive}\n", StringComparison.Ordinal);

        var (_, output) = await VerifyAsync(unit);

        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Security_ShippedUnit_ExposureAtMostTheHardenedLevel()
    {
        var root = Root(File.ReadAllText(SystemdUnit.ShippedPath));

        // --threshold is in tenths; above it, systemd-analyze exits non-zero.
        var (exitCode, output) = await RunAsync(
            "security",
            "--offline=true",
            $"--root={root}",
            $"--threshold={(int)(MaxExposure * 10)}",
            "--no-pager",
            SystemdUnit.FileName);

        var overall = output.Split('\n').LastOrDefault(l => l.Contains("Overall exposure level", StringComparison.Ordinal));
        Assert.True(exitCode == 0, $"The unit's exposure is above {MaxExposure.ToString(CultureInfo.InvariantCulture)} (exit {exitCode}): {overall}{Environment.NewLine}{output}");
        Assert.NotNull(overall);
    }

    [Fact]
    public async Task Verify_ShippedUpdaterUnits_PrintNoWarningOrError()
    {
        // The path unit that starts the agent's updater and the one-shot service it starts, installed beside the agent's.
        var root = Root(File.ReadAllText(SystemdUnit.ShippedPath));
        var units = Path.Combine(root, "etc", "systemd", "system");
        foreach (var name in (string[])["inspection-agent-update.path", "inspection-agent-update.service"])
        {
            File.Copy(RepositoryRoot.Combine("deploy", "jetson", name), Path.Combine(units, name));
        }

        WriteExecutable(Path.Combine(root, "bin", "sh"));

        var (exitCode, output) = await RunAsync(
            "verify", $"--root={root}", "--man=no", Path.Combine(units, "inspection-agent-update.path"), Path.Combine(units, "inspection-agent-update.service"));

        Assert.True(exitCode == 0 && output.Length == 0, $"systemd-analyze verify (exit {exitCode}) on the updater units:{Environment.NewLine}{output}");
    }

    public void Dispose() => _temp.Dispose();

    private static void WriteExecutable(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("systemd units are checked on Linux.");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    /// <summary>
    /// Verifies <paramref name="unit"/> as installed (/etc/systemd/system) in a root of its own that holds systemd's
    /// own units and an executable at the unit's ExecStart path, so only what is wrong with the unit itself is reported.
    /// </summary>
    private async Task<(int ExitCode, string Output)> VerifyAsync(string unit)
    {
        var root = Root(unit);
        return await RunAsync("verify", $"--root={root}", "--man=no", Path.Combine(root, "etc", "systemd", "system", SystemdUnit.FileName));
    }

    private string Root(string unit)
    {
        var root = _temp.Folder("root-" + Guid.NewGuid().ToString("N"));
        var units = Directory.CreateDirectory(Path.Combine(root, "etc", "systemd", "system")).FullName;
        File.WriteAllText(Path.Combine(units, SystemdUnit.FileName), unit);

        // The targets the unit is ordered against (network-online.target, multi-user.target) and their dependencies.
        const string systemUnits = "/usr/lib/systemd/system";
        Assert.True(Directory.Exists(systemUnits), $"{systemUnits} is missing: install the Debian package systemd (./test.sh does).");
        var lib = Directory.CreateDirectory(Path.Combine(root, "usr", "lib", "systemd")).FullName;
        CopyPreservingLinks(new DirectoryInfo(systemUnits), Path.Combine(lib, "system"));

        var execStart = SystemdUnit.Value("ExecStart").TrimStart('-', '@', '+', '!', ':').Split(' ')[0];
        var executable = Path.Combine(root, execStart.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(executable)!);
        File.WriteAllText(executable, "#!/bin/sh\nexit 0\n");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("systemd units are checked on Linux.");
        }

        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return root;
    }

    private static void CopyPreservingLinks(DirectoryInfo from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in from.EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else if (entry is DirectoryInfo directory)
            {
                CopyPreservingLinks(directory, target);
            }
            else
            {
                File.Copy(entry.FullName, target);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("systemd-analyze")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SYSTEMD_COLORS"] = "0";
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("systemd-analyze is not installed: install the Debian package systemd (./test.sh does).", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
        }
    }
}
