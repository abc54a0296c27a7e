using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using OpenCvSharp;

namespace Inspection.EdgeAgent.Tests.Diagnostics;

/// <summary>
/// The systemd protocol of the real agent process (<see cref="SystemdService"/>): <c>READY=1</c> only once the model is
/// warm, <c>WATCHDOG=1</c> while frames flow and none once the capture or the inference hangs (as a real device's would:
/// a stream that stops delivering, an inference that never returns), <c>STATUS=</c> lines that say what the agent does,
/// and <c>STOPPING=1</c> then an exit within the unit's own <c>TimeoutStopSec=</c> on SIGTERM, the outbox intact.
/// </summary>
public sealed partial class SystemdProtocolTests : IDisposable
{
    private const string DeviceId = "cam-systemd";

    // Short, so a hang shows within seconds; systemd's own is WatchdogSec=30s. Frames come at 20/s, so the loop feeds it
    // (every half period) many times per period while it turns.
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromSeconds(2);

    // Starting a .NET process, loading ONNX Runtime and a model: generous on a loaded 2-core machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _temp = new();
    private readonly ControlKey _control;
    private readonly RefusedPort _noBroker = LoopbackPort.Refused();

    public SystemdProtocolTests()
    {
        _control = ControlKey.Create(_temp.Folder("control-keys"));
    }

    [Fact]
    public async Task Start_UnderSystemd_ReadyOnlyOnceTheModelIsWarmThenTheStatusSaysTheFrameRate()
    {
        var folder = _temp.Folder("frames");
        Frames.WriteImage(Path.Combine(folder, "01.png"), TestModels.PassGrey);

        await using var agent = SystemdService.Start(_temp.Path, Args($"folder:{folder}", TestModels.Brightness(_temp.File("model.onnx")), "--Capture:Loop=true"), WatchdogPeriod);
        await WaitForAsync(agent, "READY=1", m => m.Contains("READY=1"), StartTimeout);

        var messages = agent.Notify.Messages.ToList();
        var warming = messages.FindIndex(m => m.StartsWith("STATUS=warming up the model", StringComparison.Ordinal));
        var warm = messages.FindIndex(m => m.StartsWith("STATUS=model ", StringComparison.Ordinal) && m.EndsWith(" warm on CPU", StringComparison.Ordinal));
        var ready = messages.IndexOf("READY=1");
        Assert.True(warming >= 0 && warming < warm && warm < ready, $"Expected warming, then warm, then READY=1:{Environment.NewLine}{agent}");

        // Then what it does: the mode, and how many frames a second it inspects.
        await WaitForAsync(agent, "a status line with the frame rate", m => m.Any(l => FrameRate(l) > 0), StartTimeout);
    }

    [Fact]
    public async Task Watchdog_CaptureStopsDelivering_PingsStopWhileTheAgentRunsAndSigtermStillStopsIt()
    {
        // A video stream through a named pipe: frames flow while the test writes them; then the writer stays open and
        // silent, so the agent's next read blocks in FFmpeg, as on a camera or stream that stops delivering.
        var stream = _temp.File("line.mjpeg");
        Assert.Equal(0, MakeFifo(stream, 0b110_000_000));
        await using var agent = SystemdService.Start(_temp.Path, Args($"file:{stream}", TestModels.Brightness(_temp.File("model.onnx"))), WatchdogPeriod);
        using var feeding = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var writer = Task.Run(() => Feed(stream, feeding.Token), TestContext.Current.CancellationToken);
        try
        {
            await WaitForAsync(agent, "two watchdog pings while frames flow", _ => agent.Notify.Count("WATCHDOG=1") >= 2, StartTimeout);

            TestContext.Current.TestOutputHelper?.WriteLine($"frames flowed: {agent.Notify.Count("WATCHDOG=1")} pings");
            await feeding.CancelAsync();
            var pipe = await writer;
            await using (pipe)
            {
                await ExpectWatchdogToStarveAsync(agent, "the capture hangs");

                // systemd would now kill and restart it; a stop asked for meanwhile must not wait on the wedged read.
                await StopAndMeasureAsync(agent);
            }
        }
        finally
        {
            await feeding.CancelAsync();
        }
    }

    [Fact]
    public async Task Watchdog_InferenceNeverReturns_PingsStopWhileTheAgentRunsAndSigtermStillStopsIt()
    {
        // Frames flow for a while, then a glare frame sends the model into an inference that never returns.
        var folder = _temp.Folder("frames");
        for (var i = 0; i < 40; i++)
        {
            Frames.WriteImage(Path.Combine(folder, $"a{i:000}.png"), TestModels.PassGrey);
        }

        Frames.WriteImage(Path.Combine(folder, "z-glare.png"), TestModels.GlareGrey);
        // Looping, so without the hang the frames would keep coming.
        await using var agent = SystemdService.Start(_temp.Path, Args($"folder:{folder}", TestModels.HangingOnGlare(_temp.File("hanging.onnx")), "--Capture:Loop=true"), WatchdogPeriod);

        await WaitForAsync(agent, "READY=1", m => m.Contains("READY=1"), StartTimeout);
        await ExpectWatchdogToStarveAsync(agent, "the inference hangs");

        // 40 frames at 20/s lasted at least 1.95 s, so the loop fed the watchdog (every 1 s) at least twice before the glare.
        Assert.True(agent.Notify.Count("WATCHDOG=1") >= 2, $"The watchdog was not fed while frames flowed:{Environment.NewLine}{agent}");
        Assert.DoesNotContain("The model failed on a frame", agent.Output, StringComparison.Ordinal);

        // No cancellation reaches the inference either: the stop must still come in time.
        await StopAndMeasureAsync(agent);
    }

    [Fact]
    public async Task Stop_Sigterm_StoppingThenExitWithinTheUnitsTimeoutStopSecWithTheOutboxIntact()
    {
        // Twelve uncertain frames first (the cloud is unreachable, so they stay in the outbox), then passing frames, so
        // the loop is still inspecting when the stop comes and the outbox no longer grows.
        const int uncertain = 12;
        var folder = _temp.Folder("frames");
        for (var i = 0; i < uncertain; i++)
        {
            Frames.WriteImage(Path.Combine(folder, $"a{i:000}.png"), TestModels.UncertainGrey);
        }

        for (var i = 0; i < 400; i++)
        {
            Frames.WriteImage(Path.Combine(folder, $"b{i:000}.png"), TestModels.PassGrey);
        }

        var database = _temp.File("edge.db");
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var fleet = await MqttObserver.ConnectAsync(broker.Port);
        await using var agent = SystemdService.Start(
            _temp.Path,
            Args($"folder:{folder}", TestModels.Brightness(_temp.File("model.onnx")), $"--Mqtt:Port={broker.Port}", "--Reporting:IntervalSeconds=1"),
            WatchdogPeriod);

        var before = await Eventually.WaitAsync(
            "a report of all uncertain frames in the outbox while passing frames are inspected, and the degraded mode (no cloud) in the status",
            token => Task.FromResult(fleet.PayloadsOn(MqttTopics.Reported(DeviceId))
                .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
                .OfType<ReportedState>()
                .LastOrDefault()),
            r => r is { Stats.Uncertain: uncertain } && r.Stats.Frames > uncertain
                && agent.Notify.Messages.Any(m => m.StartsWith("STATUS=local-only: ", StringComparison.Ordinal)),
            StartTimeout,
            TestContext.Current.CancellationToken,
            agent);

        await StopAndMeasureAsync(agent);

        var messages = agent.Notify.Messages.ToList();
        Assert.True(messages.IndexOf("READY=1") < messages.IndexOf("STOPPING=1"), $"STOPPING=1 did not follow READY=1:{Environment.NewLine}{agent}");
        Assert.Contains(messages, m => m.StartsWith("STATUS=stopping after ", StringComparison.Ordinal));
        Assert.Equal(0, agent.ExitCode);
        using var reopened = new EdgeDatabase(database);
        Assert.Equal(before!.Stats.OutboxDepth, new OutboxStore(reopened).Count());
        Assert.Equal(uncertain, new OutboxStore(reopened).Count());
    }

    public void Dispose()
    {
        _noBroker.Dispose();
        _control.Dispose();
        _temp.Dispose();
    }

    /// <summary>SIGTERM: <c>STOPPING=1</c>, then the process is gone within the unit's <c>TimeoutStopSec=</c> (systemd's SIGKILL after it).</summary>
    private static async Task StopAndMeasureAsync(SystemdService agent)
    {
        var timeoutStopSec = SystemdUnit.TimeSpanOf("TimeoutStopSec");
        var clock = Stopwatch.StartNew();
        await agent.TerminateAsync();
        var exited = await agent.WaitForExitAsync(timeoutStopSec);
        Assert.True(exited, $"The agent still ran {timeoutStopSec.TotalSeconds} s (TimeoutStopSec) after SIGTERM:{Environment.NewLine}{agent}");
        Assert.Contains("STOPPING=1", agent.Notify.Messages);
        Assert.True(clock.Elapsed <= timeoutStopSec, $"Stopped after {clock.Elapsed.TotalSeconds:0.0} s, TimeoutStopSec is {timeoutStopSec.TotalSeconds} s");
        TestContext.Current.TestOutputHelper?.WriteLine($"SIGTERM → exit: {clock.Elapsed.TotalSeconds:0.00} s (TimeoutStopSec {timeoutStopSec.TotalSeconds} s), exit code {agent.ExitCode}");
    }

    /// <summary>
    /// What systemd acts on: a whole watchdog period without <c>WATCHDOG=1</c> while the process still runs (a process
    /// that exited fails the wait: systemd would restart that for another reason).
    /// </summary>
    private static async Task ExpectWatchdogToStarveAsync(SystemdService agent, string what)
    {
        await Eventually.WaitAsync(
            $"a whole watchdog period ({WatchdogPeriod.TotalSeconds} s) without WATCHDOG=1 once {what}",
            _ => Task.FromResult(agent.Notify.SinceLast("WATCHDOG=1")),
            since => since > WatchdogPeriod,
            StartTimeout,
            TestContext.Current.CancellationToken,
            agent);

        // Stuck, not finished: a source that ended also stops the pings, but says so.
        Assert.DoesNotContain(agent.Notify.Messages, m => m.Contains(" ended after ", StringComparison.Ordinal));
    }

    private static async Task<IReadOnlyList<string>> WaitForAsync(SystemdService agent, string what, Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout) =>
        await Eventually.WaitAsync(what, _ => Task.FromResult(agent.Notify.Messages), condition, timeout, TestContext.Current.CancellationToken, agent);

    private static double FrameRate(string message) =>
        InspectingLine().Match(message) is { Success: true } match ? double.Parse(match.Groups["rate"].Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>Writes JPEG frames into the pipe until <paramref name="stop"/>; returns the pipe, still open.</summary>
    private static FileStream Feed(string fifo, CancellationToken stop)
    {
        // Opening a pipe for writing waits for its reader: the agent's capture.
        var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        // Large frames, as a camera's: the pipe and FFmpeg's read buffer hold only a few, so the agent runs dry soon after the writer stops.
        using var frame = Frames.Noisy(TestModels.PassGrey, 640, 480);
        Cv2.ImEncode(".jpg", frame, out var jpeg);
        while (!stop.IsCancellationRequested)
        {
            // Blocks while the pipe is full: the agent's reading paces the writer.
            pipe.Write(jpeg);
        }

        return pipe;
    }

    private string[] Args(string source, string model, params string[] extra) =>
    [
        $"--Control:TrustedKeysPath={_control.TrustFolder}",
        $"--Edge:DeviceId={DeviceId}",
        $"--Capture:Source={source}",
        "--Capture:MaxFps=20",
        $"--Detector:ModelPath={model}",
        "--Detector:ExecutionProviders:0=CPU",
        "--Detector:IntraOpThreads=1",
        $"--Decision:Lower={TestModels.BrightnessBand.Lower.ToString(CultureInfo.InvariantCulture)}",
        $"--Decision:Upper={TestModels.BrightnessBand.Upper.ToString(CultureInfo.InvariantCulture)}",
        $"--Storage:Path={_temp.File("edge.db")}",
        "--Cloud:Address=http://127.0.0.1:1",
        $"--Mqtt:Port={_noBroker.Port}",
        "--Mqtt:ReconnectDelaySeconds=1",
        .. extra,
    ];

    [GeneratedRegex(@"inspecting (?<rate>[0-9]+(\.[0-9])?) frames/s on CPU")]
    private static partial Regex InspectingLine();

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
