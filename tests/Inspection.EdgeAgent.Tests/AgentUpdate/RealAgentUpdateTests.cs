using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// The good case with the real agent as both releases: its build output (Linux x64 natives only) installed as release
/// 1.0.0, packed and signed as bundle 2.0.0, switched to through the supervisor with the health window watching the
/// real agent's READY=1 and the frame count in its status line. Measures how long the line stops: from the old
/// release's last inspected frame to the new one's first, against the same for a plain restart of the service.
/// </summary>
public sealed class RealAgentUpdateTests : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ControlKey _control;
    private readonly RefusedPort _noBroker = LoopbackPort.Refused();
    private readonly ECDsa _publisher = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public RealAgentUpdateTests()
    {
        _control = ControlKey.Create(_temp.Folder("control-keys"));
    }

    [Fact]
    public async Task Run_RealAgentBundle_CommittedWithTheLineStoppedForOneRestart()
    {
        var trust = _temp.Folder("trusted-keys");
        File.WriteAllText(Path.Combine(trust, "publisher.pem"), _publisher.ExportSubjectPublicKeyInfoPem());
        var releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        CopyAgent(releases.PathOf("1.0.0"));
        releases.Switch("1.0.0");

        var publish = CopyAgent(_temp.File("publish"));
        var bundle = _temp.File("agent-2.0.0.zip");
        var packing = Stopwatch.StartNew();
        AgentManifest manifest;
        using (var output = File.Create(bundle))
        {
            manifest = AgentBundleBuilder.Pack(publish, "2.0.0", "Inspection.EdgeAgent", _publisher, output, TimeProvider.System);
        }

        var packed = packing.Elapsed;
        var store = new AgentUpdateStore(_temp.Folder("state"));
        await using var supervisor = new TestSupervisor(_temp.Folder("run"), Path.Combine(releases.LinkPath, "Inspection.EdgeAgent"), Args(), Environment());
        await supervisor.StartAsync();
        await WaitInspectingAsync(supervisor, "1.0.0", 1);

        // A plain restart first: what one restart stops the line for.
        await supervisor.RestartAsync(TestContext.Current.CancellationToken);
        await WaitInspectingAsync(supervisor, "1.0.0", 2);
        var restart = LineStop(supervisor.Runs[0], supervisor.Runs[1]);

        Directory.CreateDirectory(store.DownloadsPath);
        var staged = Path.Combine(store.DownloadsPath, Path.GetFileName(bundle));
        File.Move(bundle, staged);
        store.Request(new AgentUpdateRecord("2.0.0", AgentUpdatePhase.Requested, DateTimeOffset.UtcNow, Bundle: staged));
        var options = new AgentUpdateOptions { ReadyTimeoutSeconds = 120, HealthWindowSeconds = 8, MaxStallSeconds = 5, MinFrames = 20, PollMilliseconds = 200 };
        var outcome = await new AgentUpdater(releases, store, supervisor, trust, "1.0.0", options, TimeProvider.System, NullLogger.Instance)
            .RunAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome is { Phase: AgentUpdatePhase.Committed }, $"Expected committed, got {outcome}:{System.Environment.NewLine}{supervisor}");
        Assert.Equal("2.0.0", releases.Current());
        Assert.Equal(["1.0.0", "1.0.0", "2.0.0"], supervisor.Runs.Select(r => r.Release));
        var update = LineStop(supervisor.Runs[1], supervisor.Runs[2]);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"real agent, {manifest.Files.Count} files, {manifest.TotalSize() / 1048576.0:0} MB, packed in {packed.TotalSeconds:0.0} s; " +
            $"line stopped by a plain restart: {restart.FromStop:0.00}–{restart.FromLastFrame:0.00} s; by the update: {update.FromStop:0.00}–{update.FromLastFrame:0.00} s " +
            $"(SIGTERM to the old release → first frame on the new one, and last watchdog ping of the old one → first frame); {outcome.Reason}"));
    }

    [Fact]
    public async Task DesiredState_AgentTargetOverMqtt_DownloadedSwitchedCommittedAndReportedByTheNewRelease()
    {
        const string deviceId = "cam-agent-update";
        var trust = _temp.Folder("trusted-keys");
        File.WriteAllText(Path.Combine(trust, "publisher.pem"), _publisher.ExportSubjectPublicKeyInfoPem());
        var releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        CopyAgent(releases.PathOf("1.0.0"));
        releases.Switch("1.0.0");
        await using var server = await PackageServer.StartAsync(_temp.Folder("served"));
        var bundle = Path.Combine(server.Folder, "agent-2.0.0.zip");
        using (var output = File.Create(bundle))
        {
            AgentBundleBuilder.Pack(CopyAgent(_temp.File("publish")), "2.0.0", "Inspection.EdgeAgent", _publisher, output, TimeProvider.System);
        }

        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var fleet = await MqttObserver.ConnectAsync(broker.Port);
        var store = new AgentUpdateStore(_temp.Folder("state"));
        await using var supervisor = new TestSupervisor(
            _temp.Folder("run"), Path.Combine(releases.LinkPath, "Inspection.EdgeAgent"), [.. Args(), $"--Mqtt:Port={broker.Port}", "--Reporting:IntervalSeconds=1"], Environment());
        await supervisor.StartAsync();
        await WaitInspectingAsync(supervisor, "1.0.0", 1);

        // The cloud's part: a signed desired state naming the release.
        var target = new AgentTarget("2.0.0", new Uri(server.BaseAddress, "agent-2.0.0.zip").ToString(), ModelPackage.Sha256OfFile(bundle), new FileInfo(bundle).Length);
        await fleet.PublishAsync(MqttTopics.Desired(deviceId), _control.SignBytes(new DesiredState(1, 1, DegradationModes.Normal, DeviceId: deviceId, Agent: target)), retain: true);

        // The agent downloads, verifies and asks; the test plays the path unit and starts the updater.
        await Eventually.WaitAsync(
            "the agent's request", _ => Task.FromResult(store.Load()), r => r is { Phase: AgentUpdatePhase.Requested }, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken, supervisor);
        Assert.True(File.Exists(store.RequestPath));
        var options = new AgentUpdateOptions { ReadyTimeoutSeconds = 120, HealthWindowSeconds = 6, MaxStallSeconds = 5, MinFrames = 20, PollMilliseconds = 200 };
        var outcome = await new AgentUpdater(releases, store, supervisor, trust, "1.0.0", options, TimeProvider.System, NullLogger.Instance)
            .RunAsync(TestContext.Current.CancellationToken);
        Assert.True(outcome is { Phase: AgentUpdatePhase.Committed }, $"Expected committed, got {outcome}:{System.Environment.NewLine}{supervisor}");

        // The new release tells the fleet: an event, and the update in its reported state.
        var reported = await Eventually.WaitAsync(
            "a reported state with the committed agent update, and its event",
            token => Task.FromResult(fleet.PayloadsOn(MqttTopics.Reported(deviceId))
                .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
                .LastOrDefault(r => r?.AgentUpdate is not null)),
            r => r is { AgentUpdate.State: AgentUpdatePhase.Committed } && fleet.PayloadsOn(MqttTopics.Events(deviceId)).Any(e => e.Contains("agent-update-committed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken,
            supervisor);
        Assert.Equal(new AgentUpdateReport("2.0.0", AgentUpdatePhase.Committed, outcome.At, outcome.Reason, "1.0.0", outcome.LineStoppedSeconds), reported!.AgentUpdate);
        Assert.Equal(["1.0.0", "2.0.0"], supervisor.Runs.Select(r => r.Release));
        Assert.True(store.Load()?.Reported);
    }

    public async ValueTask DisposeAsync()
    {
        _noBroker.Dispose();
        _control.Dispose();
        _publisher.Dispose();
        await Task.Yield();
        _temp.Dispose();
    }

    /// <summary>From the stop of <paramref name="old"/> (SIGTERM; its last watchdog ping) to the first frame of <paramref name="next"/>, in seconds.</summary>
    private static (double FromStop, double FromLastFrame) LineStop(TestSupervisor.Run old, TestSupervisor.Run next)
    {
        var first = next.Notify.First("WATCHDOG=1") ?? throw new InvalidOperationException("the new start inspected nothing");
        var stop = old.StopRequested ?? throw new InvalidOperationException("the old start was not stopped");
        var last = old.Notify.Last("WATCHDOG=1") ?? stop;
        return (Stopwatch.GetElapsedTime(stop, first).TotalSeconds, Stopwatch.GetElapsedTime(last, first).TotalSeconds);
    }

    private static Task WaitInspectingAsync(TestSupervisor supervisor, string release, int runs) =>
        Eventually.WaitAsync(
            $"start {runs} (release {release}) ready and inspecting",
            async token => (Runs: supervisor.Runs, State: await supervisor.ReadAsync(token)),
            s => s.Runs.Count == runs && s.Runs[^1].Release == release && s.State.Ready && s.Runs[^1].Notify.First("WATCHDOG=1") is not null,
            TimeSpan.FromSeconds(120),
            TestContext.Current.CancellationToken,
            supervisor);

    /// <summary>The agent's build output as a publish folder for this machine: Linux x64 natives only, no GPU providers, no symbols.</summary>
    private static string CopyAgent(string target)
    {
        var source = Path.GetDirectoryName(AgentBuild.Dll)!;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("runtimes/win", StringComparison.Ordinal) || relative.Contains("providers_cuda", StringComparison.Ordinal)
                || relative.Contains("providers_tensorrt", StringComparison.Ordinal) || relative.EndsWith(".pdb", StringComparison.Ordinal)
                || relative.EndsWith(".xml", StringComparison.Ordinal) || relative.StartsWith("data/", StringComparison.Ordinal))
            {
                continue;
            }

            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    private Dictionary<string, string> Environment() => new()
    {
        // The apphost finds the runtime this test runs on: <root>/shared/Microsoft.NETCore.App/<version>/.
        ["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..")),
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["Logging__Console__FormatterName"] = "simple",

        // The watchdog at 2 s: the loop pings every second, and the status line (with the frame count) is rebuilt as often.
        ["WATCHDOG_USEC"] = "2000000",
    };

    private string[] Args()
    {
        var frames = _temp.Folder("frames");
        for (var i = 0; i < 4; i++)
        {
            Frames.WriteImage(Path.Combine(frames, $"{i:00}.png"), TestModels.PassGrey);
        }

        return
        [
            $"--Control:TrustedKeysPath={_control.TrustFolder}",
            "--Edge:DeviceId=cam-agent-update",
            $"--Capture:Source=folder:{frames}",
            "--Capture:Loop=true",
            "--Capture:MaxFps=20",
            $"--Detector:ModelPath={TestModels.Brightness(_temp.File("model.onnx"))}",
            "--Detector:ExecutionProviders:0=CPU",
            "--Detector:IntraOpThreads=1",
            $"--Decision:Lower={TestModels.BrightnessBand.Lower.ToString(CultureInfo.InvariantCulture)}",
            $"--Decision:Upper={TestModels.BrightnessBand.Upper.ToString(CultureInfo.InvariantCulture)}",
            $"--Storage:Path={_temp.File("edge.db")}",
            $"--Ota:ModelsPath={_temp.Folder("models")}",
            $"--Ota:TrustedKeysPath={_temp.Folder("trusted-keys")}",
            $"--AgentUpdate:StatePath={_temp.Folder("state")}",
            "--Cloud:Address=http://127.0.0.1:1",
            $"--Mqtt:Port={_noBroker.Port}",
            "--Mqtt:ReconnectDelaySeconds=1",
        ];
    }
}
