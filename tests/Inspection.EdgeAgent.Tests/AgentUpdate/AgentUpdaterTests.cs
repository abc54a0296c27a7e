using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using Inspection.EdgeAgent.AgentUpdate;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// The whole update on a device laid out as install.sh leaves it, with a supervisor standing in for systemd and the
/// stand-in agent as every release: a good release is switched to and kept, every bad one is rolled back (crash at
/// start, never ready, stops inspecting inside its health window) or refused (not signed by a trusted key, changed
/// after signing, not newer) with the reason, and the state on disk carries an interrupted update to its end.
/// </summary>
public sealed class AgentUpdaterTests
{
    [Fact]
    public async Task Run_GoodRelease_SwitchedToAndKeptWithThePreviousReleaseKeptAndTheLineStoppedForOneRestart()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        device.Request("2.0.0", FakeAgentRelease.Bundle(device.Work, "2.0.0", "good", device.Publisher));

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(AgentUpdatePhase.Committed, outcome?.Phase);
        Assert.Equal("2.0.0", device.Releases.Current());
        Assert.True(device.Releases.Exists(AgentInstallation.InstalledVersion), "The previous release must stay to go back to");
        Assert.Equal(AgentInstallation.InstalledVersion, outcome!.Previous);
        Assert.Equal("releases/1.0.0", new FileInfo(device.Releases.PreviousLinkPath).LinkTarget);
        Assert.Equal(outcome, device.Store.Load());

        // One restart: the old release's start, then exactly one start of the new one, still running and inspecting.
        var runs = device.Supervisor.Runs;
        Assert.Equal(["1.0.0", "2.0.0"], runs.Select(r => r.Release));
        await device.WaitInspectingAsync("2.0.0");

        var lastOld = runs[0].Notify.Last("WATCHDOG=1");
        var firstNew = runs[1].Notify.First("WATCHDOG=1");
        Assert.NotNull(lastOld);
        Assert.NotNull(firstNew);
        var stopped = Stopwatch.GetElapsedTime(lastOld.Value, firstNew.Value);
        Assert.True(stopped > TimeSpan.Zero, $"The new release inspected before the old one stopped:{Environment.NewLine}{device.Supervisor}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"line stopped (last frame on 1.0.0 → first frame on 2.0.0, stand-in agent): {stopped.TotalSeconds:0.000} s; updater's own estimate from the status line: {outcome.LineStoppedSeconds:0.000} s; {outcome.Reason}");
    }

    [Fact]
    public async Task Run_CrashesAtStart_RolledBackWithTheExitInTheReason()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        device.Request("2.0.0", FakeAgentRelease.Bundle(device.Work, "2.0.0", "crash-at-start", device.Publisher));

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRolledBack(device, outcome, "exited before it was ready (exit-code, status 134)");
    }

    [Fact]
    public async Task Run_NeverReady_RolledBackAfterTheReadyTimeout()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        device.Request("2.0.0", FakeAgentRelease.Bundle(device.Work, "2.0.0", "never-ready", device.Publisher));

        var outcome = await device.Updater(AgentInstallation.Options(readyTimeoutSeconds: 5)).RunAsync(TestContext.Current.CancellationToken);

        AssertRolledBack(device, outcome, "did not report READY=1 within 5 s (its last status: release 2.0.0: warming up)");
    }

    [Fact]
    public async Task Run_StopsInspectingInsideTheHealthWindow_RolledBack()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();

        // Ready, inspecting, then wedged 2 s later: inside the 4 s window.
        device.Request("2.0.0", FakeAgentRelease.Bundle(device.Work, "2.0.0", "stop-inspecting", device.Publisher, stopAfterSeconds: 2));

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRolledBack(device, outcome, "release 2.0.0 stopped inspecting: no frame for 1 s");
    }

    [Fact]
    public async Task Run_KilledInsideTheHealthWindow_RolledBack()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        device.Request("2.0.0", FakeAgentRelease.Bundle(device.Work, "2.0.0", "good", device.Publisher));
        using var run = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var updating = device.Updater().RunAsync(run.Token);

        // The new release crashes once its health window runs (SIGKILL, as an abort or the watchdog would end it): the
        // supervisor restarts it, and the update must not take the second start for the first.
        await device.WaitInspectingAsync("2.0.0");
        await Eventually.UntilAsync(() => device.Store.Load()?.ReadySeconds is not null, "the updater to see the new release ready");
        Assert.Equal(0, Kill(device.Supervisor.Current.Pid()!.Value, 9));
        var outcome = await updating;

        AssertRolledBack(device, outcome, "exited");
        Assert.Contains("into its health window (exit-code, status 137)", outcome!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SignedByAnUntrustedKey_RefusedAndNothingSwitched()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        device.Request("2.0.0", FakeAgentRelease.Bundle(device.Work, "2.0.0", "good", stranger));

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRefused(device, outcome, "which this device does not trust");
    }

    [Fact]
    public async Task Run_FileChangedAfterSigning_RefusedAndNothingSwitched()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        var bundle = FakeAgentRelease.Bundle(device.Work, "2.0.0", "good", device.Publisher);
        using (var zip = ZipFile.Open(bundle, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("behaviour.json")!;
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("behaviour.json").Open());
            writer.Write("""{"version":"2.0.0","behaviour":"crash-at-start"}""");
        }

        device.Request("2.0.0", bundle);

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRefused(device, outcome, "behaviour.json");
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("0.9.9")]
    [InlineData("1.0.0-rc1")]
    public async Task Run_NotNewerThanTheRunningAgent_RefusedAndNothingSwitched(string version)
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        device.Request(version, FakeAgentRelease.Bundle(device.Work, version, "good", device.Publisher));

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRefused(device, outcome, $"release {version} is not newer than the running agent 1.0.0");
    }

    [Fact]
    public async Task Run_UpdaterDiesInsideTheHealthWindow_NextRunResumesFromTheStateOnDiskAndCommits()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        device.Request("2.0.0", FakeAgentRelease.Bundle(device.Work, "2.0.0", "good", device.Publisher));
        using var dies = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var first = device.Updater().RunAsync(dies.Token);
        await device.WaitInspectingAsync("2.0.0");
        await Eventually.UntilAsync(() => device.Store.Load()?.ReadySeconds is not null, "the updater to see the new release ready");

        // Nothing after this point is written by the first updater: as if it were killed.
        await dies.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        var interrupted = device.Store.Load();
        Assert.Equal(AgentUpdatePhase.Probation, interrupted?.Phase);
        Assert.Equal("2.0.0", device.Releases.Current());

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(AgentUpdatePhase.Committed, outcome?.Phase);
        Assert.Equal(2, outcome!.Attempts);
        Assert.Equal("2.0.0", device.Releases.Current());
        Assert.True(device.Releases.Exists(AgentInstallation.InstalledVersion));
    }

    [Fact]
    public async Task Run_UpdaterDiesTwiceInsideTheHealthWindow_RolledBackOnTheThirdRun()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        device.Store.Save(new AgentUpdateRecord("2.0.0", AgentUpdatePhase.Probation, DateTimeOffset.UtcNow, Previous: AgentInstallation.InstalledVersion, Attempts: 2));
        FakeAgentRelease.Publish(device.Releases.PathOf("2.0.0"), "2.0.0", "good");
        device.Releases.Switch("2.0.0");

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRolledBack(device, outcome, "interrupted twice");
    }

    [Fact]
    public async Task Run_BundleOutsideTheDownloadsFolder_RefusedAndTheFileLeftAlone()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        var elsewhere = FakeAgentRelease.Bundle(device.Work, "2.0.0", "good", device.Publisher);
        device.Store.Request(new AgentUpdateRecord("2.0.0", AgentUpdatePhase.Requested, DateTimeOffset.UtcNow, Bundle: elsewhere));

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRefused(device, outcome, "is not a file the agent staged in");
        Assert.True(File.Exists(elsewhere));
    }

    [Fact]
    public async Task Run_StagedBundleIsALink_RefusedAndTheTargetLeftAlone()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();
        var target = FakeAgentRelease.Bundle(device.Work, "2.0.0", "good", device.Publisher);
        Directory.CreateDirectory(device.Store.DownloadsPath);
        var link = Path.Combine(device.Store.DownloadsPath, "agent.zip");
        File.CreateSymbolicLink(link, target);
        device.Store.Request(new AgentUpdateRecord("2.0.0", AgentUpdatePhase.Requested, DateTimeOffset.UtcNow, Bundle: link));

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        AssertRefused(device, outcome, "is not a file the agent staged in");
        Assert.True(File.Exists(target));
    }

    [Fact]
    public async Task Run_NothingRequested_NothingChanges()
    {
        await using var device = new AgentInstallation();
        await device.StartAsync();

        var outcome = await device.Updater().RunAsync(TestContext.Current.CancellationToken);

        Assert.Null(outcome);
        Assert.Single(device.Supervisor.Runs);
    }

    private static void AssertRolledBack(AgentInstallation device, AgentUpdateRecord? outcome, string reason)
    {
        Assert.True(outcome is { Phase: AgentUpdatePhase.RolledBack }, $"Expected rolled back, got {outcome}:{Environment.NewLine}{device.Supervisor}");
        Assert.Contains(reason, outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(outcome, device.Store.Load());
        Assert.Equal(AgentInstallation.InstalledVersion, device.Releases.Current());

        // The previous release runs again, and the new one stays on disk for a look at what went wrong.
        Assert.Equal(AgentInstallation.InstalledVersion, device.Supervisor.Current.Release);
        Assert.True(device.Releases.Exists("2.0.0"));
    }

    private static void AssertRefused(AgentInstallation device, AgentUpdateRecord? outcome, string reason)
    {
        Assert.True(outcome is { Phase: AgentUpdatePhase.Refused }, $"Expected refused, got {outcome}");
        Assert.Contains(reason, outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(outcome, device.Store.Load());
        Assert.Equal(AgentInstallation.InstalledVersion, device.Releases.Current());
        Assert.Single(device.Supervisor.Runs);
        Assert.Equal([AgentInstallation.InstalledVersion], Directory.GetDirectories(device.Releases.ReleasesPath).Select(Path.GetFileName));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
